import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A process-wide choice between the implementations of one family of kernels (convolutions,
/// sgemm): an environment variable's value for a whole run, read once, and `using(_:_:)` for a
/// stretch of code (tests and `bench` run every path in one process). A value that names no
/// implementation stops the process with one `error:` line: a typo would otherwise silently
/// measure or test the wrong path.
final class ImplementationSwitch<Choice: RawRepresentable & CaseIterable & Equatable & Sendable>: Sendable
where Choice.RawValue == String, Choice.AllCases.Index == Int {
    private let environment: Choice
    /// `using`'s override (an index into `allCases`), or -1 for the environment's choice.
    private let override = Atomic<Int>(-1)

    init(variable: String, default defaultChoice: Choice) {
        guard let text = getenv(variable) else {
            environment = defaultChoice
            return
        }
        let value = String(cString: text)
        guard let choice = Choice(rawValue: value.lowercased()) else {
            let names = Choice.allCases.map(\.rawValue)
            fputs("error: \(variable) is \"\(value)\"; use \(names.dropLast().joined(separator: ", ")) or \(names.last!)\n", stderr)
            exit(2)
        }
        environment = choice
    }

    /// The implementation in force.
    var current: Choice {
        let index = override.load(ordering: .relaxed)
        return index >= 0 ? Choice.allCases[index] : environment
    }

    /// Runs `body` with `choice` in force. Not for concurrent use with other choices: the
    /// override is process-wide.
    func using<Result>(_ choice: Choice, _ body: () throws -> Result) rethrows -> Result {
        let previous = override.exchange(Choice.allCases.firstIndex(of: choice)!, ordering: .relaxed)
        defer { override.store(previous, ordering: .relaxed) }
        return try body()
    }
}
