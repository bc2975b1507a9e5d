import Scene

/// Several CLIPasso runs on one photo, one after another, as one method: every abstraction level
/// (stroke count) with every seed (seed, seed + 1000, …, as the reference's script numbers
/// them). They share the target's features and saliency. For each level the sketch with the
/// lowest evaluation loss over its seeds is the result.
public final class CLIPassoRuns: IterativeMethod {
    /// The best sketch of one abstraction level.
    public struct Result: Equatable, Sendable {
        public let strokes: Int
        public let seed: UInt64
        public let scene: Scene
        /// `nil` when its runs were stopped before their first evaluation.
        public let evaluationLoss: Float?
    }

    /// What every run sketches: the prepared photo, its features and saliency.
    public let target: SketchTarget
    /// Stroke counts, in the order given.
    public let levels: [Int]
    /// Every run, level by level, seeds within a level.
    public let runs: [CLIPasso]
    /// Steps all runs would take without early stopping.
    public let iterations: Int
    public private(set) var completedIterations = 0
    private var current = 0

    /// The runs for `levels` (default: the configuration's stroke count) and
    /// `configuration.seeds` seeds from `seed`.
    public init(target: SketchTarget, configuration: CLIPasso.Configuration, levels: [Int]? = nil, seed: UInt64) throws {
        let levels = levels ?? [configuration.strokes]
        guard !levels.isEmpty else { throw MethodError("give at least one abstraction level (stroke count)") }
        if let invalid = levels.first(where: { $0 < 1 }) {
            throw MethodError("an abstraction level is a stroke count of at least 1, got \(invalid)")
        }
        guard Set(levels).count == levels.count else { throw MethodError("abstraction levels repeat: \(levels)") }
        self.target = target
        self.levels = levels
        runs = try levels.flatMap { strokes in
            var level = configuration
            level.strokes = strokes
            return try (0..<UInt64(configuration.seeds)).map { try CLIPasso(target: target, configuration: level, seed: seed &+ 1000 * $0) }
        }
        iterations = runs.count * configuration.iterations
    }

    /// Every run ended, some before their last step.
    public var hasConverged: Bool { current == runs.count && completedIterations < iterations }

    /// The run the next step belongs to (the last one once all have ended).
    public var currentRun: CLIPasso { runs[min(current, runs.count - 1)] }

    public func step() -> IterationReport {
        precondition(!isFinished, "the runs are complete")
        let run = runs[current]
        var combined = run.step()
        // Which run this step belongs to, where there are several to tell apart.
        let seeds = runs.count / levels.count
        if levels.count > 1 { combined.level = run.configuration.strokes }
        if seeds > 1 {
            combined.seed = current % seeds + 1
            combined.seedCount = seeds
        }
        if combined.interrupted { return combined }
        completedIterations += 1
        if run.isFinished { current += 1 }
        combined.iteration = completedIterations
        combined.iterations = iterations
        combined.converged = hasConverged
        return combined
    }

    /// For each level in order, its best sketch so far (an interrupted run's best counts).
    public var results: [Result] {
        levels.map { strokes in
            let candidates = runs.filter { $0.configuration.strokes == strokes }
            let evaluated = candidates.filter { $0.bestEvaluationLoss != nil }
            let winner = evaluated.min { $0.bestEvaluationLoss! < $1.bestEvaluationLoss! } ?? candidates[0]
            return Result(strokes: strokes, seed: winner.seed, scene: winner.bestScene, evaluationLoss: winner.bestEvaluationLoss)
        }
    }
}

extension CLIPassoRuns: ResumableMethod {
    /// Which run is current, and every run's own state.
    public func captureState() -> MethodState {
        var state = MethodState()
        state.set("step", completedIterations)
        state.set("current", current)
        state.set("runs", runs.count)
        for (index, run) in runs.enumerated() { state.merge(run.captureState(), prefix: "run\(index).") }
        return state
    }

    public func restoreState(_ state: MethodState) throws {
        let count = try state.int("runs")
        guard count == runs.count else {
            throw MethodError("the checkpoint holds \(count) CLIPasso runs where this one has \(runs.count); it is from another run")
        }
        let (step, current) = (try state.int("step"), try state.int("current"))
        guard (0...runs.count).contains(current) else { throw MethodError("the checkpoint's current run \(current) is out of range") }
        for (index, run) in runs.enumerated() { try run.restoreState(state.substate(prefix: "run\(index).")) }
        self.current = current
        completedIterations = step
    }
}
