import Foundation

/// Where a batch stands, from its output folder alone: the job list the batch keeps there, and
/// each job's folder. Done: its `result.json` exists; running: some process holds its lock;
/// failed: its `error.json` exists (and it is not running again); pending: none of these. A job
/// not done with a checkpoint in its folder will resume from it.
struct BatchStatus {
    struct Failure {
        let id: String
        let message: String
        let attempts: Int
    }

    let folder: String
    let ids: [String]
    private(set) var done: [String] = []
    private(set) var running: [String] = []
    private(set) var failed: [Failure] = []
    private(set) var pending: [String] = []
    /// Jobs not done that have a checkpoint: the next run resumes them.
    private(set) var checkpointed: [String] = []

    /// The job list kept in a batch's output folder (a copy of its jobs file).
    static func jobList(in folder: String) -> String { (folder as NSString).appendingPathComponent(".jobs.jsonl") }

    init(folder: String) throws {
        self.folder = folder
        let list = Self.jobList(in: folder)
        guard let data = FileManager.default.contents(atPath: list) else {
            throw BatchFailure("\(folder) is not a batch's output folder (it has no \(Self.jobList(in: ""))); give the --out of a batch")
        }
        struct Entry: Decodable { let id: String }
        ids = data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Entry.self, from: Data($0)).id }
        for id in ids {
            let job = JobFolder(batch: folder, id: id)
            if job.isDone {
                done.append(id)
            } else if JobLock.isHeld(path: job.lock) {
                running.append(id)
            } else if job.hasFailed {
                let record = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: job.error)))) as? [String: Any]
                failed.append(
                    Failure(
                        id: id, message: record?["message"] as? String ?? "unreadable \(job.error)",
                        attempts: record?["attempts"] as? Int ?? 0))
            } else {
                pending.append(id)
            }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: job.path)) ?? []
            if !job.isDone, files.contains(where: { $0.hasSuffix(".checkpoint") }) { checkpointed.append(id) }
        }
    }

    var json: [String: Any] {
        [
            "folder": folder, "jobs": ids.count, "done": done, "running": running, "pending": pending, "checkpointed": checkpointed,
            "failed": failed.map { ["id": $0.id, "message": $0.message, "attempts": $0.attempts] as [String: Any] },
        ]
    }

    var lines: [String] {
        var lines = [
            "\(plural(ids.count, "job")) in \(folder): \(done.count) done, \(failed.count) failed, \(running.count) running, \(pending.count) pending"
        ]
        for (label, ids) in [("done", done), ("running", running), ("pending", pending)] where !ids.isEmpty {
            lines.append("\(label): \(ids.joined(separator: ", "))")
        }
        if !checkpointed.isEmpty { lines.append("resume from a checkpoint: \(checkpointed.joined(separator: ", "))") }
        for failure in failed {
            lines.append("failed: \(failure.id) after \(plural(failure.attempts, "attempt")): \(failure.message)")
        }
        return lines
    }
}
