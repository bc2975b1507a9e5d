import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A job's progress as JSON events (the command's `--json` lines) in its folder's events file:
/// the batch runs each job with its stdout sent there, and reads the run's record back from it
/// (the same events a script driving the command would read).
struct JobEvents {
    /// Runs `body` with this process's stdout appended to `path`, then restores it.
    static func capture<Result>(into path: String, _ body: () throws -> Result) throws -> Result {
        fflush(stdout)
        let file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw BatchFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        let saved = dup(STDOUT_FILENO)
        dup2(file, STDOUT_FILENO)
        close(file)
        defer {
            fflush(stdout)
            dup2(saved, STDOUT_FILENO)
            close(saved)
        }
        return try body()
    }

    /// The file's size now: where the next attempt's events start.
    static func end(of path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.uint64Value ?? 0
    }

    let start: [String: Any]?
    let lastStep: [String: Any]?
    let done: [String: Any]?
    let resumed: [String: Any]?
    /// Seconds the steps took, by the steps' own stage times.
    let stepSeconds: Double

    /// The events one attempt appended, from byte `offset` of the file.
    init(path: String, from offset: UInt64) throws {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let data = try handle.readToEnd() ?? Data()
        var start: [String: Any]?
        var lastStep: [String: Any]?
        var done: [String: Any]?
        var resumed: [String: Any]?
        var stepSeconds = 0.0
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let event = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            switch event["event"] as? String {
            case "start": start = event
            case "step":
                lastStep = event
                let stages = event["stages"] as? [[String: Any]] ?? []
                stepSeconds += stages.compactMap { $0["seconds"] as? Double }.reduce(0, +)
            case "done": done = event
            case "resumed": resumed = event
            default: break
            }
        }
        (self.start, self.lastStep, self.done, self.resumed, self.stepSeconds) = (start, lastStep, done, resumed, stepSeconds)
    }
}
