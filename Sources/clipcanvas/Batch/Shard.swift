import ArgumentParser

/// Which share of the jobs this process runs: job `i` (0-based, in file order) belongs to shard
/// `i mod count`. From `--shard I/N`, else from the scheduler: a Slurm job array
/// (`SLURM_ARRAY_TASK_ID`, counted from `SLURM_ARRAY_TASK_MIN` in steps of
/// `SLURM_ARRAY_TASK_STEP`, out of `SLURM_ARRAY_TASK_COUNT`) or a Kubernetes Indexed Job
/// (`JOB_COMPLETION_INDEX`; Kubernetes sets no count, so `--shard-count` gives its completions).
/// With none of these, one shard: every job.
struct Shard: Equatable, CustomStringConvertible {
    let index: Int
    let count: Int

    static let all = Shard(index: 0, count: 1)

    var description: String { "\(index)/\(count)" }

    func contains(_ job: Job) -> Bool { job.index % count == index }

    /// `I/N` with 0 <= I < N.
    init(index: Int, count: Int) {
        (self.index, self.count) = (index, count)
    }

    static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1, (0..<count).contains(index) else {
            throw ValidationError("--shard takes I/N with 0 <= I < N, e.g. --shard 0/4; got \(text)")
        }
        return Shard(index: index, count: count)
    }

    /// The shard the environment gives this process (see the type's comment); `count` is
    /// `--shard-count`.
    static func fromEnvironment(_ environment: [String: String], count: Int?) throws -> Shard {
        func number(_ name: String) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text) else { throw ValidationError("\(name) is not a whole number: \(text)") }
            return value
        }
        if let task = try number("SLURM_ARRAY_TASK_ID") {
            let first = try number("SLURM_ARRAY_TASK_MIN") ?? 0
            let step = max(1, try number("SLURM_ARRAY_TASK_STEP") ?? 1)
            guard let total = try count ?? number("SLURM_ARRAY_TASK_COUNT") else {
                throw ValidationError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shard I/N")
            }
            let index = (task - first) / step
            guard (0..<total).contains(index), (task - first) % step == 0 else {
                throw ValidationError(
                    "Slurm array task \(task) (from \(first) in steps of \(step)) is not one of \(total) shards; give --shard I/N")
            }
            return Shard(index: index, count: total)
        }
        if let index = try number("JOB_COMPLETION_INDEX") {
            guard let count else {
                throw ValidationError(
                    "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but Kubernetes gives no count: add --shard-count with the Job's completions"
                )
            }
            guard (0..<count).contains(index) else {
                throw ValidationError("JOB_COMPLETION_INDEX \(index) is not below --shard-count \(count)")
            }
            return Shard(index: index, count: count)
        }
        if let count, count != 1 {
            throw ValidationError("--shard-count \(count) needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID; or give --shard I/N")
        }
        return .all
    }
}
