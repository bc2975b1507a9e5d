import Foundation

/// A jobs file (JSON Lines: one job per line, blank lines ignored), read and checked whole before
/// any job runs: a batch that would fail at its fortieth job on a typo must fail at once.
struct JobFile {
    let path: String
    let jobs: [Job]
    /// The file's bytes, kept with the batch's results (`batch status` reads the job list there).
    let contents: Data

    /// Every problem, each with its line number (`JOBS.jsonl:3: …`), at most this many.
    static let reportedProblems = 20

    init(path: String) throws {
        self.path = path
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw JobFileError(problems: ["\(path): cannot read the jobs file (\((error as NSError).localizedDescription))"])
        }
        var jobs: [Job] = []
        var problems: [String] = []
        var lineOfID: [String: Int] = [:]
        let lines = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, text) in lines.enumerated() where !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let line = offset + 1
            do {
                let job = try Job(text: String(text), line: line, index: jobs.count)
                if let first = lineOfID[job.id] {
                    throw JobError("id \"\(job.id)\" is already the job on line \(first); ids name folders and must differ")
                }
                lineOfID[job.id] = line
                jobs.append(job)
            } catch let error as JobError {
                problems.append("\(path):\(line): \(error.message)")
            }
        }
        if jobs.isEmpty && problems.isEmpty { problems.append("\(path): no jobs (one JSON object per line)") }
        guard problems.isEmpty else { throw JobFileError(problems: problems) }
        self.jobs = jobs
    }
}

/// The jobs file's problems, one line each; nothing has run.
struct JobFileError: Error {
    let problems: [String]
}
