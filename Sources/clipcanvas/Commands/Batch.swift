import ArgumentParser
import Foundation
import Models

/// `clipcanvas batch JOBS.jsonl --out DIR`: many pictures from a jobs file, in shards across a
/// cluster's tasks, each job once, resumable; `clipcanvas batch status DIR` says where it stands.
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run many jobs from a JSON Lines file, split into shards across processes or cluster tasks.",
        discussion: """
            Each line of JOBS is one job: {"id": "cat-1", "command": "draw", "args": {"prompt": "a cat", \
            "iterations": 200, "seed": 3}}. The command is draw, sketch, style or paint; args holds \
            the command's flags by their long names (a list repeats a flag, true gives a flag) and \
            its positional values by name (prompt; photo; photo and style). Outputs are file names \
            ("output": ["cat.svg"]; default ID.svg and ID.png, or ID.png) written into DIR/ID/, with \
            result.json last. Every line is checked before any job runs.
            Example: clipcanvas batch jobs.jsonl --out results --shard 0/4
            """,
        subcommands: [RunJobs.self, Status.self], defaultSubcommand: RunJobs.self)
}

extension Batch {
    struct RunJobs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the jobs of this shard (the default subcommand).",
            discussion: """
                Job i (0-based, in file order) belongs to shard i mod N. Without --shard, the shard \
                comes from a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, \
                SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with \
                --shard-count set to the Job's completions); else every job runs here. A job whose \
                DIR/ID/result.json exists is skipped; a job another process is running (its lock \
                is held) is left to it; a failed job is recorded in DIR/ID/error.json and the batch \
                goes on. Models are loaded once and shared by the jobs that use them. Exit status: \
                0 when every job of the shard is done, 1 when any failed, 64 for a bad jobs file \
                (nothing runs), 130/143 when interrupted: SIGINT or SIGTERM stops the running job \
                after its current step and writes its checkpoint, and the next run of the batch \
                resumes it (a job killed outright resumes from its last --checkpoint-every).
                """)

        @Argument(help: "The jobs file: one JSON object per line.")
        var jobs: String

        @Option(help: "The folder for the results: DIR/ID/ per job.")
        var out: String

        @Option(help: "Run only shard I of N (0-based): the jobs whose index mod N is I.", transform: { try Shard.parse($0) })
        var shard: Shard?

        @Option(help: "The number of shards, when the index comes from JOB_COMPLETION_INDEX (Kubernetes sets no count).")
        var shardCount: Int?

        @Option(help: "Attempts after the first for a job that fails.")
        var retries = 0

        @Option(help: "Steps between a job's checkpoints (beside its first output): a stopped or killed job resumes from its last one.")
        var checkpointEvery = 10

        @Flag(help: "Check the jobs file and say which jobs this shard would run; run and write nothing.")
        var check = false

        func validate() throws {
            guard (0...100).contains(retries) else { throw ValidationError("--retries must be between 0 and 100, got \(retries)") }
            if let shardCount, shardCount < 1 { throw ValidationError("--shard-count must be at least 1, got \(shardCount)") }
            guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)") }
            if shard != nil, shardCount != nil { throw ValidationError("--shard I/N already gives the count; leave out --shard-count") }
        }

        func run() throws {
            Interrupt.install()
            let file: JobFile
            do {
                file = try JobFile(path: jobs)
            } catch let error as JobFileError {
                for problem in error.problems.prefix(JobFile.reportedProblems) { printToStandardError("error: \(problem)") }
                if error.problems.count > JobFile.reportedProblems {
                    printToStandardError("error: … and \(error.problems.count - JobFile.reportedProblems) more; nothing was run")
                }
                throw ExitCode.validationFailure
            }
            let shard = try self.shard ?? Shard.fromEnvironment(ProcessInfo.processInfo.environment, count: shardCount)
            let mine = file.jobs.filter(shard.contains)
            printToStandardError(
                "batch: shard \(shard) \(check ? "would run" : "runs") \(mine.count) of \(plural(file.jobs.count, "job")): \(mine.map(\.id).joined(separator: ", "))"
            )
            if check { return }
            try keepJobList(file)
            ModelOptions.sharedModels = CLIPModelCache()
            let runner = JobRunner(batchFolder: out, shard: shard, retries: retries, checkpointEvery: checkpointEvery)
            var failed: [String] = []
            for (position, job) in mine.enumerated() {
                if Interrupt.wasRequested { break }
                let label = "batch: [\(position + 1)/\(mine.count)] \(job.id) (\(job.command.rawValue))"
                switch try runner.run(job) {
                case .done(let summary):
                    var line = "\(label) done in \(String(format: "%.1f", summary.seconds)) s, \(plural(summary.steps, "step"))"
                    if let from = summary.resumedFrom, from > 0 { line += " (resumed after step \(from))" }
                    if let loss = summary.bestLoss { line += String(format: ", best loss %.4f", loss) }
                    printToStandardError(line)
                case .alreadyDone: printToStandardError("\(label) already done")
                case .runningElsewhere: printToStandardError("\(label) is running in another process; left to it")
                case .failed(let message, let attempts):
                    failed.append(job.id)
                    printToStandardError("\(label) failed after \(plural(attempts, "attempt")): \(message)")
                case .interrupted:
                    printToStandardError("\(label) interrupted; run the batch again to go on")
                    throw Interrupt.exitCode
                }
            }
            if Interrupt.wasRequested {
                printToStandardError("batch: interrupted between jobs; run the batch again to go on")
                throw Interrupt.exitCode
            }
            if !failed.isEmpty {
                printToStandardError(
                    "batch: \(plural(failed.count, "job")) failed: \(failed.joined(separator: ", ")) (see \(out)/ID/\(JobFolder.errorName))"
                )
                throw ExitCode.failure
            }
        }

        /// Keeps the jobs file in DIR (for `batch status`), or checks that DIR's is the same: one
        /// folder holds one batch's results.
        private func keepJobList(_ file: JobFile) throws {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let list = BatchStatus.jobList(in: out)
            if let kept = FileManager.default.contents(atPath: list) {
                guard kept == file.contents else {
                    throw BatchFailure(
                        "\(out) holds the results of another jobs file (\(list) differs from \(jobs)); give another --out, or remove \(list) if this file continues that batch"
                    )
                }
                return
            }
            let temporary = list + ".\(getpid()).tmp"
            try file.contents.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, list) == 0 else { throw BatchFailure("cannot write \(list): \(String(cString: strerror(errno)))") }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a batch's output folder: the jobs done, failed, running (locked by a process) and pending.")

        @Argument(help: "The batch's --out folder.")
        var folder: String

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let status = try BatchStatus(folder: folder)
            if json {
                let data = try JSONSerialization.data(withJSONObject: status.json, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for line in status.lines { print(line) }
            }
        }
    }
}
