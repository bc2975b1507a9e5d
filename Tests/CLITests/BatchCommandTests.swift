import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `clipcanvas batch` end to end on the tiny CLIP: shards run as concurrent processes, each job
/// once; bad job files refused before any work; failures recorded and retried; `batch status`.
final class BatchCommandTests: TinyModelTestCase {
    private var jobs: BatchJobs!
    private var out = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        jobs = BatchJobs(directory: directory, weightsPath: weightsPath)
        out = path("out")
    }

    /// Starts the binary without waiting; stdout and stderr go to files named after `name`.
    private func start(_ arguments: [String], name: String, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = try ClipCanvasBinary.executable()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for (file, set) in [("\(name).out", { process.standardOutput = $0 }), ("\(name).err", { process.standardError = $0 })] {
            _ = FileManager.default.createFile(atPath: path(file), contents: nil)
            set(try FileHandle(forWritingTo: URL(fileURLWithPath: path(file))))
        }
        try process.run()
        return process
    }

    private func text(_ name: String) -> String { (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? "" }

    private func startEvents(_ id: String) throws -> Int {
        try BatchJobs.events(out + "/\(id)/events.jsonl").filter { $0["event"] as? String == "start" }.count
    }

    /// Three shards and, at the same time, a fourth process that takes every job (a rerun that
    /// overlaps the array): six results, each job run exactly once (one `start` in its events),
    /// by the shard that owns it or by the fourth process, never by two.
    func testThreeConcurrentShardsAndAnOverlappingRerunRunEachOfSixJobsOnce() throws {
        try jobs.write()
        var processes = try (0..<3).map { shard in
            try start(["batch", jobs.jobsPath, "--out", out, "--shard", "\(shard)/3"], name: "shard\(shard)")
        }
        processes.append(try start(["batch", jobs.jobsPath, "--out", out], name: "all"))
        for process in processes { process.waitUntilExit() }
        for (process, name) in zip(processes, ["shard0", "shard1", "shard2", "all"]) {
            XCTAssertEqual(process.terminationStatus, 0, text("\(name).err"))
        }
        let results = try FileManager.default.contentsOfDirectory(atPath: out).filter {
            FileManager.default.fileExists(atPath: out + "/\($0)/result.json")
        }
        XCTAssertEqual(results.sorted(), BatchJobs.ids.sorted())
        for (index, id) in BatchJobs.ids.enumerated() {
            XCTAssertEqual(try startEvents(id), 1, "\(id) ran more than once")
            let record = try BatchJobs.record(out + "/\(id)/result.json")
            XCTAssertEqual(record["id"] as? String, id)
            XCTAssertEqual(record["seed"] as? Int, index + 1)
            XCTAssertEqual(record["steps"] as? Int, 4)
            XCTAssertEqual(record["stopped"] as? String, "completed")
            XCTAssertEqual(record["attempt"] as? Int, 1)
            XCTAssertNotNil((record["final"] as? [String: Any])?["best_loss"] as? Double)
            XCTAssertEqual(record["clipcanvas_version"] as? String, try version())
            let shard = try XCTUnwrap(record["shard"] as? String)
            XCTAssertTrue(shard == "\(index % 3)/3" || shard == "0/1", "\(id) ran in shard \(shard)")
            let outputs = try XCTUnwrap(record["outputs"] as? [String])
            XCTAssertFalse(outputs.isEmpty)
            for output in outputs { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/\(id)/\(output)"), output) }
        }
        XCTAssertEqual(try BatchJobs.record(out + "/style-1/result.json")["outputs"] as? [String], ["fire.png"])
        XCTAssertEqual(try BatchJobs.record(out + "/draw-1/result.json")["outputs"] as? [String], ["draw-1.svg", "draw-1.png"])

        // Models are read once per process: every job uses the same weights file, so each process
        // (told apart by its shard) loads it for its first job and finds it loaded for the rest.
        // Which process runs which job is a race between them; this holds whatever the outcome.
        var loadsByProcess: [String: Int] = [:], jobsByProcess: [String: Int] = [:]
        for id in BatchJobs.ids {
            let process = try XCTUnwrap(try BatchJobs.record(out + "/\(id)/result.json")["shard"] as? String)
            let notes = (try BatchJobs.events(out + "/\(id)/events.jsonl")).compactMap { $0["message"] as? String }
            loadsByProcess[process, default: 0] += notes.filter { $0.hasPrefix("loading ") && $0.contains("tiny.safetensors") }.count
            jobsByProcess[process, default: 0] += 1
            if !notes.contains(where: { $0.hasPrefix("loading ") }) {
                XCTAssertTrue(notes.contains { $0.contains("already loaded by this process") }, "\(id): \(notes)")
            }
        }
        XCTAssertEqual(loadsByProcess, jobsByProcess.mapValues { _ in 1 }, "one load per process that ran jobs")

        // Running the batch again does nothing: every job is done.
        let again = try ClipCanvasBinary.run(["batch", jobs.jobsPath, "--out", out])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stderr.components(separatedBy: "already done").count - 1, 6, again.stderr)
        for id in BatchJobs.ids { XCTAssertEqual(try startEvents(id), 1) }

        let status = try ClipCanvasBinary.run(["batch", "status", out, "--json"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((summary["done"] as? [String])?.sorted(), BatchJobs.ids.sorted())
        XCTAssertEqual(summary["jobs"] as? Int, 6)
    }

    private func version() throws -> String {
        try ClipCanvasBinary.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Each kind of bad line is reported with its line number, the exit status is 64, and
    /// nothing is written: not even the output folder.
    func testABadLineIsRejectedWithItsNumberBeforeAnyWork() throws {
        try jobs.write()
        let good = try String(contentsOfFile: jobs.jobsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let model = weightsPath
        let cases: [(line: String, expected: String)] = [
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat""#, "not a JSON object"),
            (#"[1, 2]"#, "not a JSON object"),
            (#"{"id": "../x", "command": "draw", "args": {"prompt": "a cat"}}"#, "cannot name a folder"),
            (#"{"id": "draw-1", "command": "draw", "args": {"prompt": "a cat"}}"#, "already the job on line 1"),
            (#"{"id": "x", "command": "dream", "args": {"prompt": "a cat"}}"#, "unknown command \"dream\""),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat"}, "priority": 1}"#, "unknown field \"priority\""),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "colour": "red"}}"#, "draw has no flag --colour"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "iterations": 0}}"#, "--iterations must be between 1"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "paths": 20000}}"#, "paths"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "seed": 1.5}}"#, "seed"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "iterations": [1, 2]}}"#, "takes one value, not a list"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "no-alpha": "yes"}}"#, "is a flag"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "json": true}}"#, "set by the batch"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "output": ["../../escape.svg"]}}"#, "takes a file name"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "output": ["result.json"]}}"#, "takes a file name"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "output": ["a.gif"]}}"#, "extension"),
            (#"{"id": "x", "command": "draw", "args": {"iterations": 3}}"#, "needs \"prompt\""),
            (#"{"id": "x", "command": "sketch", "args": {"photo": "/no/such/photo.png"}}"#, "no file /no/such/photo.png"),
            (#"{"id": "x", "command": "paint", "args": {"prompt": "a cat", "model": "/no/model.pt"}}"#, "no file /no/model.pt"),
            (#"{"id": "x", "command": "draw", "args": {"prompt": "a cat", "preset": "no-such-preset"}}"#, "no-such-preset"),
            (
                #"{"id": "x", "command": "style", "args": {"photo": "\#(jobs.photoPath)", "style": " ", "model": "\#(model)"}}"#,
                "style text is empty"
            ),
        ]
        for (line, expected) in cases {
            // The bad line third, after two good ones and before the rest.
            let lines = Array(good.prefix(2)) + [line] + Array(good.dropFirst(2))
            try (lines.joined(separator: "\n") + "\n").write(toFile: jobs.jobsPath, atomically: true, encoding: .utf8)
            let result = try ClipCanvasBinary.run(["batch", jobs.jobsPath, "--out", out])
            XCTAssertEqual(result.status, 64, "\(line)\n\(result.stderr)")
            XCTAssertTrue(result.stderr.contains("error: \(jobs.jobsPath):3: "), "\(line)\n\(result.stderr)")
            XCTAssertTrue(result.stderr.contains(expected), "\(line)\n\(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(line): the batch wrote before checking")
        }
    }

    /// The sample jobs file (Samples/cluster/jobs.jsonl, the README's worked example) is a valid
    /// batch, checked from the repository's root as its relative photo paths expect; --check
    /// runs and writes nothing.
    func testTheSampleJobsFilePassesTheCheck() throws {
        let root = URL(fileURLWithPath: TestFiles.sample("")).deletingLastPathComponent().path
        let result = try ClipCanvasBinary.run(
            ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", root, try ClipCanvasBinary.executable().path] + [
                "batch", "Samples/cluster/jobs.jsonl", "--out", out, "--check", "--shard", "1/4",
            ], launcher: ["/usr/bin/env"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "batch: shard 1/4 would run 2 of 6 jobs: cat-sketch-8, bicycle\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Shards stopped mid-job, by SIGTERM (the job checkpoints after its step, the batch exits
    /// 143) and by SIGKILL (no handler: the job's last --checkpoint-every survives), then run
    /// again: every job completes, the stopped ones resume from the step they reached (not 0),
    /// no file is half-written, and every output equals an uninterrupted batch's byte for byte.
    /// The signals come from the run itself after an exact step (CLIPCANVAS_TEST_SIGNAL_AFTER_STEP),
    /// through the same handler a scheduler's signal reaches.
    func testShardsStoppedBySIGTERMAndSIGKILLResumeAndEqualAnUninterruptedBatch() throws {
        try jobs.write(iterations: 6)
        let reference = path("reference")
        let uninterrupted = try ClipCanvasBinary.run(["batch", jobs.jobsPath, "--out", reference, "--checkpoint-every", "2"])
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)

        // Shard 0 (draw-1, paint-1): SIGTERM after step 3 of draw-1. Shard 1 (sketch-1, draw-2):
        // SIGKILL after step 5 of sketch-1. Shard 2 (style-1, sketch-2): SIGKILL after step 3.
        let stops: [(shard: Int, signal: String, status: Int32, job: String, resumesFrom: Int)] = [
            (0, "3:TERM", 143, "draw-1", 3), (1, "5:KILL", 137, "sketch-1", 4), (2, "3:KILL", 137, "style-1", 2),
        ]
        for stop in stops {
            let arguments = ["batch", jobs.jobsPath, "--out", out, "--shard", "\(stop.shard)/3", "--checkpoint-every", "2"]
            let stopped = try ClipCanvasBinary.run(arguments, environment: ["CLIPCANVAS_TEST_SIGNAL_AFTER_STEP": stop.signal])
            XCTAssertEqual(stopped.status, stop.status, stopped.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/\(stop.job)/result.json"))
            if stop.status == 143 { XCTAssertTrue(stopped.stderr.contains("\(stop.job) (draw) interrupted"), stopped.stderr) }
            let status = try ClipCanvasBinary.run(["batch", "status", out, "--json"])
            let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            XCTAssertTrue((summary["checkpointed"] as? [String] ?? []).contains(stop.job), status.stdout)
            XCTAssertEqual((summary["running"] as? [String]), [], "a killed shard's lock must not outlive it")

            let again = try ClipCanvasBinary.run(arguments)
            XCTAssertEqual(again.status, 0, again.stderr)
            let record = try BatchJobs.record(out + "/\(stop.job)/result.json")
            XCTAssertEqual(record["resumed_from"] as? Int, stop.resumesFrom, "\(stop.job)")
            XCTAssertEqual(record["steps"] as? Int, 6)
            let events = try BatchJobs.events(out + "/\(stop.job)/events.jsonl")
            XCTAssertEqual(events.filter { $0["event"] as? String == "start" }.count, 2)
            XCTAssertEqual(events.filter { $0["event"] as? String == "resumed" }.compactMap { $0["step"] as? Int }, [0, stop.resumesFrom])
        }
        for id in BatchJobs.ids {
            let folder = out + "/\(id)"
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            XCTAssertEqual(files, try FileManager.default.contentsOfDirectory(atPath: reference + "/\(id)").sorted(), id)
            XCTAssertFalse(files.contains { $0.hasPrefix(".") || $0.hasSuffix(".checkpoint") }, "\(id): \(files)")
            for output in try XCTUnwrap(try BatchJobs.record(folder + "/result.json")["outputs"] as? [String]) {
                XCTAssertEqual(
                    try Data(contentsOf: URL(fileURLWithPath: folder + "/" + output)),
                    try Data(contentsOf: URL(fileURLWithPath: reference + "/\(id)/" + output)),
                    "\(id)/\(output) differs from the uninterrupted run's")
            }
        }
    }

    /// A job that fails when it runs (its photo is not an image) is tried 1 + --retries times,
    /// recorded in error.json, and the batch goes on with the others and exits 1.
    func testAFailingJobIsRetriedRecordedAndTheBatchGoesOn() throws {
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path("broken.png")))
        let lines = [
            #"{"id": "broken", "command": "sketch", "args": {"photo": "\#(path("broken.png"))", "model": "\#(weightsPath)"}}"#,
            #"{"id": "fine", "command": "draw", "args": {"prompt": "a cat", "model": "\#(weightsPath)", "paths": 2, "canvas": 64, "iterations": 2}}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: jobs.jobsPath, atomically: true, encoding: .utf8)
        let result = try ClipCanvasBinary.run(["batch", jobs.jobsPath, "--out", out, "--retries", "2"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("broken (sketch) failed after 3 attempts"), result.stderr)
        let error = try BatchJobs.record(out + "/broken/error.json")
        XCTAssertEqual(error["attempts"] as? Int, 3)
        XCTAssertTrue((error["message"] as? String ?? "").contains("broken.png"), "\(error)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/broken/result.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/fine/result.json"))

        let status = try ClipCanvasBinary.run(["batch", "status", out])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.hasPrefix("2 jobs in \(out): 1 done, 1 failed, 0 running, 0 pending"), status.stdout)
        XCTAssertTrue(status.stdout.contains("failed: broken after 3 attempts: "), status.stdout)
    }

    /// Status while a process holds one job's lock and others have not started; and the shard
    /// taken from Slurm's and Kubernetes' variables.
    func testStatusAndShardsFromTheScheduler() throws {
        try jobs.write(iterations: 1)
        // Slurm array 4-6: task 5 is shard 1 of 3, which owns jobs 1 and 4.
        let slurm = try ClipCanvasBinary.run(
            ["batch", jobs.jobsPath, "--out", out],
            environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"])
        XCTAssertEqual(slurm.status, 0, slurm.stderr)
        XCTAssertTrue(slurm.stderr.contains("batch: shard 1/3 runs 2 of 6 jobs: sketch-1, draw-2"), slurm.stderr)

        let noCount = try ClipCanvasBinary.run(["batch", jobs.jobsPath, "--out", out], environment: ["JOB_COMPLETION_INDEX": "0"])
        XCTAssertEqual(noCount.status, 64, noCount.stderr)
        XCTAssertTrue(noCount.stderr.contains("--shard-count"), noCount.stderr)

        // Hold paint-1's lock as a running shard would.
        try FileManager.default.createDirectory(atPath: out + "/paint-1", withIntermediateDirectories: true)
        let lock = open(out + "/paint-1/job.lock", O_RDWR | O_CREAT, 0o644)
        XCTAssertEqual(flock(lock, LOCK_EX | LOCK_NB), 0)
        defer { close(lock) }
        let kubernetes = try ClipCanvasBinary.run(
            ["batch", jobs.jobsPath, "--out", out, "--shard-count", "2"], environment: ["JOB_COMPLETION_INDEX": "1"])
        XCTAssertEqual(kubernetes.status, 0, kubernetes.stderr)
        XCTAssertTrue(kubernetes.stderr.contains("batch: shard 1/2 runs 3 of 6 jobs: sketch-1, paint-1, sketch-2"), kubernetes.stderr)
        XCTAssertTrue(kubernetes.stderr.contains("sketch-1 (sketch) already done"), kubernetes.stderr)
        XCTAssertTrue(kubernetes.stderr.contains("paint-1 (paint) is running in another process"), kubernetes.stderr)

        let status = try ClipCanvasBinary.run(["batch", "status", out, "--json"])
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((summary["done"] as? [String])?.sorted(), ["draw-2", "sketch-1", "sketch-2"])
        XCTAssertEqual(summary["running"] as? [String], ["paint-1"])
        XCTAssertEqual(summary["pending"] as? [String], ["draw-1", "style-1"])
        XCTAssertEqual((summary["failed"] as? [Any])?.count, 0)

        // One folder, one batch: another jobs file is refused.
        try Data(#"{"id": "a", "command": "draw", "args": {"prompt": "a cat"}}"#.utf8).write(to: URL(fileURLWithPath: path("other.jsonl")))
        let other = try ClipCanvasBinary.run(["batch", path("other.jsonl"), "--out", out])
        XCTAssertEqual(other.status, 1, other.stderr)
        XCTAssertTrue(other.stderr.contains("holds the results of another jobs file"), other.stderr)
    }
}
