import ArgumentParser
import Foundation

/// Runs a shard's jobs in this process, one after another, each as its command would run from
/// the command line (parsed by the command's own type, `--json` events into the job's folder),
/// sharing the models between them. A job runs only under its lock and only while it has no
/// result; its record is written last and atomically.
struct JobRunner {
    let batchFolder: String
    let shard: Shard
    /// Extra attempts for a job that fails.
    let retries: Int
    /// Steps between a job's checkpoints.
    let checkpointEvery: Int

    enum Outcome {
        case done(ResultSummary)
        /// Done before this run, or by another process while this one waited.
        case alreadyDone
        /// Another process holds the job's lock: it is running there.
        case runningElsewhere
        case failed(message: String, attempts: Int)
        /// A signal asked this process to stop; the job stopped after its current step.
        case interrupted
    }

    struct ResultSummary {
        let seconds: Double
        let steps: Int
        let bestLoss: Double?
        let resumedFrom: Int?
    }

    func run(_ job: Job) throws -> Outcome {
        let folder = JobFolder(batch: batchFolder, id: job.id)
        if folder.isDone { return .alreadyDone }
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        guard let lock = try JobLock(path: folder.lock) else { return .runningElsewhere }
        return try withExtendedLifetime(lock) {
            // Another process may have finished the job between the look above and the lock.
            if folder.isDone { return .alreadyDone }
            var message = ""
            for attempt in 1...(retries + 1) {
                let started = Date()
                let offset = JobEvents.end(of: folder.events)
                do {
                    try JobEvents.capture(into: folder.events) {
                        var command = try job.command.type.parseAsRoot(
                            job.arguments(in: folder.path, adding: job.batchArguments(checkpointEvery: checkpointEvery)))
                        try command.run()
                    }
                    let events = try JobEvents(path: folder.events, from: offset)
                    let summary = try record(job, folder: folder, events: events, attempt: attempt, started: started)
                    try? FileManager.default.removeItem(atPath: folder.error)
                    return .done(summary)
                } catch {
                    if Interrupt.wasRequested { return .interrupted }
                    message = job.command.type.message(for: error)
                    if message.isEmpty { message = "the run ended with status \(job.command.type.exitCode(for: error).rawValue)" }
                    if attempt <= retries {
                        printToStandardError("batch: job \(job.id) failed (attempt \(attempt) of \(retries + 1)): \(message); trying again")
                    }
                }
            }
            try writeJSONAtomically(
                [
                    "id": job.id, "command": job.command.rawValue, "message": message, "attempts": retries + 1,
                    "shard": shard.description, "host": ProcessInfo.processInfo.hostName, "failed_at": Self.timestamp(),
                    "clipcanvas_version": ClipCanvasCommand.version,
                ], to: folder.error)
            return .failed(message: message, attempts: retries + 1)
        }
    }

    /// Writes `result.json` from the run's events: what ran (the job's `args` and the command
    /// line), its seed, final losses and CLIP similarity, what it wrote, how long it took, and
    /// where it resumed from if it did.
    private func record(_ job: Job, folder: JobFolder, events: JobEvents, attempt: Int, started: Date) throws -> ResultSummary {
        let totalSeconds = Date().timeIntervalSince(started)
        var final: [String: Any] = [:]
        if let loss = events.lastStep?["loss"] { final["loss"] = loss }
        if let similarity = events.lastStep?["similarity"] { final["similarity"] = similarity }
        if let bestLoss = events.done?["best_loss"] { final["best_loss"] = bestLoss }
        let prefix = folder.path + "/"
        let outputs = (events.done?["outputs"] as? [String] ?? []).map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
        var record: [String: Any] = [
            "id": job.id, "command": job.command.rawValue, "args": job.args.mapValues(\.object),
            "arguments": job.arguments(in: folder.path, adding: job.batchArguments(checkpointEvery: checkpointEvery)),
            "final": final, "outputs": outputs, "attempt": attempt, "shard": shard.description,
            "host": ProcessInfo.processInfo.hostName, "finished_at": Self.timestamp(),
            "clipcanvas_version": ClipCanvasCommand.version,
            "timings": [
                "total_seconds": totalSeconds, "run_seconds": events.done?["seconds"] ?? NSNull(), "steps_seconds": events.stepSeconds,
            ],
        ]
        for key in ["seed", "model", "iterations"] { record[key] = events.start?[key] }
        for key in ["steps", "stopped", "watch"] { record[key] = events.done?[key] }
        // The step this attempt continued from (0: from the start).
        let resumedFrom = events.resumed?["step"] as? Int
        record["resumed_from"] = resumedFrom ?? 0
        try writeJSONAtomically(record, to: folder.result)
        return ResultSummary(
            seconds: totalSeconds, steps: events.done?["steps"] as? Int ?? 0, bestLoss: events.done?["best_loss"] as? Double,
            resumedFrom: resumedFrom)
    }

    static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }
}
