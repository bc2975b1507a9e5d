#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Adam and AdamW over parameter groups, each with its own learning rate and schedule.
//
// Matches `torch.optim.Adam` / `AdamW` (bias-corrected moments; AdamW decays the weights by
// `lr * weightDecay` before the update, Adam adds `weightDecay * θ` to the gradient).

/// Parameters that share a learning rate and schedule (CLIPDraw: points, widths, colours).
public struct ParameterGroup {
    public var parameters: [Tensor]
    public var learningRate: Float
    public var schedule: LearningRateSchedule

    public init(_ parameters: [Tensor], learningRate: Float, schedule: LearningRateSchedule = .constant) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.schedule = schedule
    }
}

public final class Adam {
    public enum Decay: Equatable {
        /// L2 penalty added to the gradient (`torch.optim.Adam(weight_decay=)`).
        case coupled(Float)
        /// Decoupled weight decay (`torch.optim.AdamW`).
        case decoupled(Float)
    }

    public private(set) var groups: [ParameterGroup]
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let decay: Decay
    /// Steps taken so far; the schedule sees this count before the step.
    public private(set) var step = 0
    private var firstMoments: [[Storage]]
    private var secondMoments: [[Storage]]

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, decay: Decay = .coupled(0)) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.decay = decay
        firstMoments = groups.map { $0.parameters.map { Storage(zeroedCount: $0.count) } }
        secondMoments = groups.map { $0.parameters.map { Storage(zeroedCount: $0.count) } }
    }

    /// AdamW with PyTorch's default weight decay of 0.01.
    public static func adamW(groups: [ParameterGroup], weightDecay: Float = 0.01) -> Adam {
        Adam(groups: groups, decay: .decoupled(weightDecay))
    }

    /// The learning rate group `index` uses for the next step.
    public func currentLearningRate(group index: Int) -> Float {
        groups[index].learningRate * groups[index].schedule.factor(atStep: step)
    }

    /// The first and second moments of parameter `p` of group `g`, for a checkpoint.
    public func moments(group g: Int, parameter p: Int) -> (first: [Float], second: [Float]) {
        let first = firstMoments[g][p], second = secondMoments[g][p]
        return (
            Array(UnsafeBufferPointer(start: first.pointer, count: first.count)),
            Array(UnsafeBufferPointer(start: second.pointer, count: second.count))
        )
    }

    /// Continues from a checkpoint: `step` steps taken (the schedule's position) and these
    /// moments (counts as `moments(group:parameter:)` returns them; the caller checks them).
    public func restore(step: Int, moments: [[(first: [Float], second: [Float])]]) {
        precondition(moments.count == groups.count, "one entry per group")
        for (g, group) in moments.enumerated() {
            precondition(group.count == groups[g].parameters.count, "one entry per parameter")
            for (p, pair) in group.enumerated() {
                precondition(pair.first.count == firstMoments[g][p].count && pair.second.count == secondMoments[g][p].count)
                for (i, value) in pair.first.enumerated() { firstMoments[g][p].pointer[i] = value }
                for (i, value) in pair.second.enumerated() { secondMoments[g][p].pointer[i] = value }
            }
        }
        self.step = step
    }

    /// Overwrites the gradient of every parameter (group by group, in order, concatenated) with
    /// `values`, for `update()` to step with: the step-parity tests give Adam the gradients the
    /// reference's Adam was given. Every parameter must hold a gradient already.
    public func replaceGradients(with values: [Float]) {
        let parameters = groups.flatMap(\.parameters)
        precondition(values.count == parameters.reduce(0) { $0 + $1.count }, "a gradient value for every parameter is needed")
        var offset = 0
        for parameter in parameters {
            guard let grad = parameter.grad else { preconditionFailure("a parameter without a gradient cannot have it replaced") }
            values.withUnsafeBufferPointer { grad.pointer.update(from: $0.baseAddress! + offset, count: parameter.count) }
            offset += parameter.count
        }
    }

    /// Updates every parameter that has a gradient, then clears the gradients.
    public func update() {
        let t = Float(step + 1)
        let correction1 = 1 - powf(beta1, t)
        let correction2 = 1 - powf(beta2, t)
        for (g, group) in groups.enumerated() {
            let lr = currentLearningRate(group: g)
            for (p, parameter) in group.parameters.enumerated() {
                guard let grad = parameter.grad else { continue }
                let theta = parameter.pointer, gradient = grad.pointer
                let m = firstMoments[g][p].pointer, v = secondMoments[g][p].pointer
                let (beta1, beta2, epsilon) = (self.beta1, self.beta2, self.epsilon)
                var l2: Float = 0
                switch decay {
                case .coupled(let rate): l2 = rate
                case .decoupled(let rate):
                    let keep = 1 - lr * rate
                    for i in 0..<parameter.count { theta[i] *= keep }
                }
                let stepSize = lr / correction1
                let inverseRootCorrection2 = 1 / correction2.squareRoot()
                Parallel.forEachChunk(parameter.count) { range in
                    for i in range {
                        let d = gradient[i] + l2 * theta[i]
                        m[i] = beta1 * m[i] + (1 - beta1) * d
                        v[i] = beta2 * v[i] + (1 - beta2) * d * d
                        theta[i] -= stepSize * m[i] / (v[i].squareRoot() * inverseRootCorrection2 + epsilon)
                    }
                }
                parameter.zeroGrad()
            }
        }
        step += 1
    }
}

/// How a group's learning rate changes over the run, as a factor of its base rate.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// Multiply by `gamma` every `every` steps (`torch.optim.lr_scheduler.StepLR`).
    case step(every: Int, gamma: Float)
    /// Piecewise constant: from step `atStep` on, use `factor` (CLIPDraw drops the points' rate
    /// at 50% and 75% of the run). Entries are (atStep, factor), in increasing step order.
    case thresholds([Threshold])

    public struct Threshold: Equatable, Sendable {
        public var atStep: Int
        public var factor: Float
        public init(atStep: Int, factor: Float) {
            self.atStep = atStep
            self.factor = factor
        }
    }

    public func factor(atStep step: Int) -> Float {
        switch self {
        case .constant: return 1
        case .step(let every, let gamma): return powf(gamma, Float(step / max(every, 1)))
        case .thresholds(let thresholds): return thresholds.last { step >= $0.atStep }?.factor ?? 1
        }
    }
}
