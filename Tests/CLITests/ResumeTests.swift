import Foundation
import Output
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `--checkpoint-every N` and `--resume`: a run stopped by a signal (or killed outright) and
/// resumed ends with exactly the files an uninterrupted run writes. The runs stop themselves at
/// an exact step through the real signal path (`CLIPCANVAS_TEST_SIGNAL_AFTER_STEP`).
final class ResumeTests: TinyModelTestCase {
    private var photoPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        photoPath = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 80, height: 64), to: photoPath)
        try Data(#"{"patches": 4, "patch_size": 32, "views_per_pass": 4}"#.utf8).write(to: URL(fileURLWithPath: path("style.json")))
        try Data(#"{"size": 64, "patch_size": 32, "global_views": 4, "patches": 8, "init_candidates": 2}"#.utf8).write(
            to: URL(fileURLWithPath: path("paint.json")))
    }

    /// Each method's command, small, with outputs into `folder` (created).
    private func command(_ method: String, into folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: path(folder), withIntermediateDirectories: true)
        let out = { (name: String) in self.path("\(folder)/\(name)") }
        switch method {
        case "draw":
            return [
                "draw", "a lighthouse", "--model", weightsPath, "--paths", "8", "--canvas", "48", "--iterations", "12", "-o", out("a.svg"),
                "-o", out("a.png"), "--save-every", "4", out("steps"), "--contact-sheet", out("sheet.png"), "--watch", "3",
            ]
        case "sketch":
            // Two abstraction levels of 8 steps each: the stop falls inside the second run.
            return [
                "sketch", photoPath, "--model", weightsPath, "--geometric-model", weightsPath, "--geometric-layers", "0",
                "--abstractions", "4,6", "--iterations", "8", "-o", out("a.svg"),
            ]
        case "style":
            return [
                "style", photoPath, "fire", "--model", weightsPath, "--preset", path("style.json"), "--size", "64", "--iterations", "8",
                "--content-model", "clip", "-o", out("a.png"),
            ]
        default:
            return [
                "paint", "a yellow flower", "--model", weightsPath, "--preset", path("paint.json"), "--iterations", "8", "-o", out("a.png"),
            ]
        }
    }

    private func events(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Every file under `folder`, by relative path, with its bytes.
    private func files(in folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let root = path(folder)
        for case let name as String in FileManager.default.enumerator(atPath: root)! {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDirectory)
            if !isDirectory.boolValue { result[name] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + name)) }
        }
        return result
    }

    private func signalAfter(_ step: Int, _ signal: String) -> [String: String] {
        ["CLIPCANVAS_TEST_SIGNAL_AFTER_STEP": "\(step):\(signal)"]
    }

    func testEveryMethodStoppedBySIGTERMAndResumedEqualsAnUninterruptedRun() throws {
        for (method, stop) in [("draw", 6), ("sketch", 11), ("style", 5), ("paint", 5)] {
            let full = try ClipCanvasBinary.run(try command(method, into: "\(method)-full") + ["--json"])
            XCTAssertEqual(full.status, 0, "\(method): \(full.stderr)")

            let partial = try command(method, into: "\(method)-part") + ["--checkpoint-every", "4"]
            let stopped = try ClipCanvasBinary.run(partial + ["--json"], environment: signalAfter(stop, "TERM"))
            XCTAssertEqual(stopped.status, 143, "\(method): \(stopped.stderr)")
            let checkpoints = events(stopped.stdout).filter { $0["event"] as? String == "checkpoint" }
            // Every 4 steps, and at the step the signal stopped (sketch: 8 steps per level).
            XCTAssertEqual(checkpoints.map { $0["step"] as? Int }, [4, stop == 11 ? 8 : nil, stop].compactMap { $0 }, method)
            let checkpointPath = try XCTUnwrap(checkpoints.last?["file"] as? String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: checkpointPath), method)
            XCTAssertTrue(stopped.stdout.contains("--resume continues from it"), stopped.stdout)

            let resumed = try ClipCanvasBinary.run(partial + ["--resume", "--json"])
            XCTAssertEqual(resumed.status, 0, "\(method): \(resumed.stderr)")
            let resumedEvent = try XCTUnwrap(events(resumed.stdout).first { $0["event"] as? String == "resumed" }, method)
            XCTAssertEqual(resumedEvent["step"] as? Int, stop, method)
            let steps = events(resumed.stdout).filter { $0["event"] as? String == "step" }.compactMap { $0["iteration"] as? Int }
            XCTAssertEqual(steps.first, stop + 1, "\(method) continues after the checkpoint's step")
            XCTAssertFalse(FileManager.default.fileExists(atPath: checkpointPath), "\(method): a completed run removes its checkpoint")

            // --watch (draw) reads the same pictures at the same steps after the resume.
            let watches = { (stdout: String) in
                try self.events(stdout).filter { $0["event"] as? String == "watch" && $0["iteration"] as? Int ?? 0 > stop }.map {
                    String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self)
                }
            }
            XCTAssertEqual(try watches(resumed.stdout), try watches(full.stdout), method)
            if method == "draw" { XCTAssertEqual(try watches(full.stdout).count, 2, "steps 9 and 12") }
            let expected = try files(in: "\(method)-full")
            XCTAssertFalse(expected.isEmpty)
            XCTAssertEqual(try files(in: "\(method)-part"), expected, "\(method): the resumed run's files equal the uninterrupted run's")
        }
    }

    /// A signal sent while a step's views go through CLIP gives that step up: the checkpoint is
    /// of the step before, with the random draws the given-up step had taken handed back. (The
    /// snapshot of the last step shows the current image, which every step's draws move; the
    /// result is the best image, which may be an early one.)
    func testASignalInTheMiddleOfAStepResumesAsIfTheStepHadNotBegun() throws {
        try Data(#"{"size": 64, "patch_size": 32, "global_views": 16, "patches": 64, "init_candidates": 2, "views_per_pass": 2}"#.utf8)
            .write(to: URL(fileURLWithPath: path("slow.json")))
        let arguments = { (folder: String) in
            ["paint", "a lighthouse", "--model", self.weightsPath, "--preset", self.path("slow.json"), "--iterations", "30", "-o"]
                + [self.path("\(folder)/a.png"), "--checkpoint-every", "100", "--save-every", "100", self.path("\(folder)/steps")]
        }
        for folder in ["full", "part"] { try FileManager.default.createDirectory(atPath: path(folder), withIntermediateDirectories: true) }
        let process = Process()
        process.executableURL = try ClipCanvasBinary.executable()
        process.arguments = arguments("part") + ["--json"]
        let events = Pipe()
        process.standardOutput = events
        process.standardError = FileHandle.nullDevice
        try process.run()
        var received = Data()
        while !String(decoding: received, as: UTF8.self).contains("\"event\":\"step\"") {
            let chunk = events.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        kill(process.processIdentifier, SIGTERM)
        received += events.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 143, "the 30 steps should outlast the signal")
        let stoppedAt = try XCTUnwrap(
            self.events(String(decoding: received, as: UTF8.self)).last { $0["event"] as? String == "checkpoint" })
        XCTAssertLessThan(stoppedAt["step"] as? Int ?? 30, 30)

        let resumed = try ClipCanvasBinary.run(arguments("part") + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming from step \(stoppedAt["step"] as? Int ?? -1)"), resumed.stderr)
        XCTAssertEqual(try ClipCanvasBinary.run(arguments("full")).status, 0)
        XCTAssertEqual(try files(in: "part"), try files(in: "full"))
    }

    func testAKilledRunResumesFromItsLastCheckpointAndAMissingCheckpointStartsFromZero() throws {
        let full = try ClipCanvasBinary.run(try command("draw", into: "full"))
        XCTAssertEqual(full.status, 0, full.stderr)

        // SIGKILL after step 7: no handler runs, nothing but the checkpoint of step 4 is left.
        let partial = try command("draw", into: "part") + ["--checkpoint-every", "4"]
        let killed = try ClipCanvasBinary.run(partial, environment: signalAfter(7, "KILL"))
        XCTAssertEqual(killed.status, 128 + SIGKILL)
        XCTAssertEqual(Set(try files(in: "part").keys.filter { !$0.hasPrefix("steps/") }), ["a.svg.checkpoint"], "no partial output")

        // What a kill during a checkpoint's write leaves: a temporary file, never a checkpoint.
        let leftover = path("part/.a.svg.checkpoint.tmp-1234")
        try Data("half a checkpoint".utf8).write(to: URL(fileURLWithPath: leftover))
        let resumed = try ClipCanvasBinary.run(partial + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming from step 4"), resumed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover), "the completed run clears it")
        XCTAssertEqual(try files(in: "part"), try files(in: "full"))

        // A batch retry passes --resume whether or not a checkpoint was written.
        let fresh = try ClipCanvasBinary.run(try command("draw", into: "fresh") + ["--checkpoint-every", "4", "--resume", "--json"])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertEqual(events(fresh.stdout).first { $0["event"] as? String == "resumed" }?["step"] as? Int, 0)
        XCTAssertEqual(try files(in: "fresh"), try files(in: "full"))
    }

    func testADamagedCheckpointOrOneFromOtherSettingsIsRefusedNamingWhy() throws {
        let partial = try command("draw", into: "part") + ["--checkpoint-every", "4"]
        XCTAssertEqual(try ClipCanvasBinary.run(partial, environment: signalAfter(5, "TERM")).status, 143)
        let checkpointPath = path("part/a.svg.checkpoint")
        let good = try Data(contentsOf: URL(fileURLWithPath: checkpointPath))
        try FileManager.default.removeItem(atPath: path("part/a.svg"))
        try FileManager.default.removeItem(atPath: path("part/a.png"))

        var flipped = good
        flipped[good.count / 2] ^= 0x10
        let damaged: [(Data, String)] = [
            (flipped, "truncated or damaged"), (good.prefix(good.count - 100), "truncated or damaged"),
            (Data("not a checkpoint".utf8), "not a ClipCanvas checkpoint"),
        ]
        for (bytes, reason) in damaged {
            try bytes.write(to: URL(fileURLWithPath: checkpointPath))
            let result = try ClipCanvasBinary.run(partial + ["--resume"])
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("error: cannot resume from \(checkpointPath): it is \(reason)"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("part/a.svg")), "a refused run writes nothing")
        }

        try good.write(to: URL(fileURLWithPath: checkpointPath))
        let otherSettings: [([String], String)] = [
            (["--seed", "3"], #"its seed is "0", this run's is "3""#),
            (["--augmentations", "2"], #"its augmentations is "4", this run's is "2""#),
        ]
        for (extra, difference) in otherSettings {
            let result = try ClipCanvasBinary.run(partial + extra + ["--resume"])
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("other settings: \(difference)"), result.stderr)
        }
        var otherPrompt = partial
        otherPrompt[1] = "a boat"
        XCTAssertTrue(
            try ClipCanvasBinary.run(otherPrompt + ["--resume"]).stderr.contains(#"its prompt is "a lighthouse", this run's is "a boat""#))

        // Another command's checkpoint at this output's checkpoint path.
        let paint = try command("paint", into: "paint")
        try good.write(to: URL(fileURLWithPath: path("paint/a.png.checkpoint")))
        let result = try ClipCanvasBinary.run(paint + ["--resume"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(#"its command is "draw", this run's is "paint""#), result.stderr)

        let animated = try ClipCanvasBinary.run(partial + ["--resume", "--animate", path("part/run.gif")])
        XCTAssertNotEqual(animated.status, 0)
        XCTAssertTrue(animated.stderr.contains("--resume cannot continue an animation"), animated.stderr)
    }
}
