import Foundation

/// A job's folder in the batch's output folder (`DIR/ID/`): its outputs, its events (the run's
/// `--json` lines, appended by every attempt), its lock, and last its record: `result.json`
/// when it succeeded, `error.json` when it failed.
struct JobFolder {
    static let resultName = "result.json"
    static let errorName = "error.json"
    static let eventsName = "events.jsonl"
    static let lockName = "job.lock"

    let path: String

    init(batch: String, id: String) {
        path = (batch as NSString).appendingPathComponent(id)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    var result: String { file(Self.resultName) }
    var error: String { file(Self.errorName) }
    var events: String { file(Self.eventsName) }
    var lock: String { file(Self.lockName) }

    var isDone: Bool { FileManager.default.fileExists(atPath: result) }
    var hasFailed: Bool { FileManager.default.fileExists(atPath: error) }
}

/// Writes `object` as JSON to `path` all at once: into a temporary file in the same folder, then
/// renamed over `path`. A reader (another shard, `batch status`) sees the old file or the new
/// one, never half of one, and a process killed while writing leaves no record.
func writeJSONAtomically(_ object: Any, to path: String) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
    try (data + Data("\n".utf8)).write(to: temporary)
    guard rename(temporary.path, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw BatchFailure("cannot write \(path): \(reason)")
    }
}

/// A batch-level failure, as one `error:` line.
struct BatchFailure: Error, LocalizedError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}
