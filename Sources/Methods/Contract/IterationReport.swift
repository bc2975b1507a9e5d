/// What one optimisation step did, for progress displays, logs and `--json` events.
public struct IterationReport: Sendable, Encodable {
    /// Steps completed so far, counting this one (1-based).
    public var iteration: Int
    /// Steps the run will take unless it stops early.
    public var iterations: Int
    /// The objective this step minimised (lower is better).
    public var loss: Float
    /// Mean CLIP cosine similarity of this step's views to the prompt, where the method has one.
    public var similarity: Float?
    /// The lowest loss seen so far, and whether this step reached it (its result is kept).
    public var bestLoss: Float
    public var improved: Bool
    /// The method decided it has converged; the run ends after this step.
    public var converged: Bool
    /// Wall-clock seconds of this step's stages, in the order they ran.
    public var stages: [StageTime]
    /// The step was given up part-way for an interruption: nothing was updated, no new best
    /// kept, and it does not count as a step.
    public var interrupted = false
    /// Several runs in one (CLIPasso's abstraction levels and seeds): the stroke count of this
    /// step's level, and which seed of how many (1-based).
    public var level: Int?
    public var seed: Int?
    public var seedCount: Int?
    /// `bestLoss` is an evaluation loss (CLIPasso evaluates without augmentation every few
    /// steps), not the minimum of `loss`.
    public var bestIsEvaluation = false

    public init(
        iteration: Int, iterations: Int, loss: Float, similarity: Float? = nil, bestLoss: Float, improved: Bool,
        converged: Bool = false, stages: [StageTime] = []
    ) {
        self.iteration = iteration
        self.iterations = iterations
        self.loss = loss
        self.similarity = similarity
        self.bestLoss = bestLoss
        self.improved = improved
        self.converged = converged
        self.stages = stages
    }
}

public struct StageTime: Sendable, Encodable, Equatable {
    public var stage: String
    public var seconds: Double

    public init(stage: String, seconds: Double) {
        self.stage = stage
        self.seconds = seconds
    }
}

/// Times the stages of one step: `measure("render") { ... }` in order; a stage measured more
/// than once in a step (augmenting two kinds of views) accumulates into one entry.
struct StageClock {
    private(set) var stages: [StageTime] = []
    private let clock = ContinuousClock()

    mutating func measure<Result>(_ stage: String, _ body: () throws -> Result) rethrows -> Result {
        let start = clock.now
        let result = try body()
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        if let index = stages.firstIndex(where: { $0.stage == stage }) {
            stages[index].seconds += seconds
        } else {
            stages.append(StageTime(stage: stage, seconds: seconds))
        }
        return result
    }
}

extension IterativeMethod {
    /// The report of a step given up for an interruption (see `Interruption`): the counts as
    /// before it, nothing applied.
    func interruptedStep(bestLoss: Float) -> IterationReport {
        var report = IterationReport(
            iteration: completedIterations, iterations: iterations, loss: .nan, bestLoss: bestLoss, improved: false)
        report.interrupted = true
        return report
    }
}
