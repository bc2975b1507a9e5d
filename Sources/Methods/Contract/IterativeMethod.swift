/// A method that improves its result one step at a time. The caller owns the loop (to show
/// progress, save snapshots, stop on Ctrl-C); `run` is the loop for callers with nothing to add.
public protocol IterativeMethod: AnyObject {
    /// Steps a full run takes.
    var iterations: Int { get }
    /// Steps taken so far.
    var completedIterations: Int { get }
    /// Whether the method stopped itself early (converged).
    var hasConverged: Bool { get }
    /// Takes one optimisation step.
    func step() -> IterationReport
}

/// What a progress handler wants after a step.
public enum RunControl: Sendable {
    case proceed
    case stop
}

extension IterativeMethod {
    /// Whether another step is due.
    public var isFinished: Bool { hasConverged || completedIterations >= iterations }

    /// Steps until the run is complete, the method converges, or `progress` says stop.
    public func run(progress: (IterationReport) -> RunControl = { _ in .proceed }) {
        while !isFinished {
            if progress(step()) == .stop { return }
        }
    }
}
