// Reverse-mode differentiation.
//
// Each op that consumes a tensor needing a gradient attaches a `TapeNode` to its output: the
// inputs plus a closure that adds this op's contribution to the inputs' gradient buffers
// (`dInput += ...`, as llm.c's backward kernels do). `backward()` visits the nodes in reverse
// topological order once. Gradient buffers are allocated on the first contribution and only
// for tensors that need one: zeroed (`gradientBuffer()`), or left for a kernel that writes every
// element to store into (`gradientTarget()`).
import Synchronization

/// Counts gradient memory, so tests can prove frozen parameters never get any.
public enum TapeStatistics {
    static let allocatedFloats = Atomic<Int>(0)

    /// Floats allocated for gradient buffers since the process started.
    public static var gradientFloatsAllocated: Int { allocatedFloats.load(ordering: .relaxed) }
}

/// Test hook: fresh `gradientTarget()` buffers are filled with NaN, so a backward kernel that
/// adds into one, or leaves an element of it unwritten, turns the gradient into NaN. The gradient
/// checks turn it on (`@_spi(Testing) import Tensor`).
@_spi(Testing)
public enum FreshGradientPoisoning {
    static let enabled = Atomic<Bool>(false)

    public static var isEnabled: Bool {
        get { enabled.load(ordering: .relaxed) }
        set { enabled.store(newValue, ordering: .relaxed) }
    }
}

final class TapeNode {
    let inputs: [Tensor]
    /// Receives the op's output (for values such as softmax probabilities) and its gradient.
    let backward: (_ output: Tensor, _ outputGrad: Tensor) -> Void

    init(inputs: [Tensor], backward: @escaping (Tensor, Tensor) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Records how to differentiate `self` (an op's fresh output) if any input needs a gradient.
    /// The closure must not capture `self` (it receives it), so no reference cycle forms, and it
    /// adds each input's contribution into `input.gradientBuffer()` (skipping inputs for which that
    /// is `nil`). Public so other layers can define fused differentiable ops (the rasterizer).
    @inlinable
    public func recordIfNeeded(_ inputs: [Tensor], backward: @escaping (_ output: Tensor, _ outputGrad: Tensor) -> Void) {
        recordNode(inputs, backward)
    }

    @usableFromInline
    func recordNode(_ inputs: [Tensor], _ backward: @escaping (Tensor, Tensor) -> Void) {
        guard inputs.contains(where: { $0.needsGrad }) else { return }
        node = TapeNode(inputs: inputs, backward: backward)
    }

    /// The gradient buffer to accumulate into, allocated zeroed on first use, or `nil` when no
    /// gradient is wanted for this tensor (so backward kernels skip that work entirely).
    public func gradientBuffer() -> UnsafeMutablePointer<Float>? {
        guard needsGrad else { return nil }
        if let grad { return grad.pointer }
        let buffer = Tensor(zeros: shape)
        TapeStatistics.allocatedFloats.add(count, ordering: .relaxed)
        grad = buffer
        return buffer.pointer
    }

    /// For a backward kernel that writes every element of this tensor's gradient: the buffer, and
    /// whether the kernel must add into it (`accumulate`) or may simply store (it was just
    /// allocated, uninitialised). The first contribution to a gradient is the common case, and
    /// storing into it skips both the zero fill and the read of `+=`. `nil` when no gradient is
    /// wanted. Call it just before writing: a later call for the same tensor says `accumulate`.
    public func gradientTarget() -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)? {
        guard needsGrad else { return nil }
        if let grad { return (grad.pointer, true) }
        let buffer = Tensor(uninitializedShape: shape)
        TapeStatistics.allocatedFloats.add(count, ordering: .relaxed)
        if FreshGradientPoisoning.isEnabled { buffer.pointer.update(repeating: .nan, count: count) }
        grad = buffer
        return (buffer.pointer, false)
    }

    /// Adds `contribution` (same element count) into this tensor's gradient.
    func accumulateGradient(_ contribution: UnsafePointer<Float>) {
        guard needsGrad else { return }
        if grad == nil {
            let buffer = Tensor(uninitializedShape: shape)
            TapeStatistics.allocatedFloats.add(count, ordering: .relaxed)
            buffer.pointer.update(from: contribution, count: count)
            grad = buffer
            return
        }
        let target = grad!.pointer
        Parallel.forEachChunk(count) { range in
            for index in range { target[index] += contribution[index] }
        }
    }

    /// Back-propagates from this scalar (usually a loss). Leaves with `requiresGrad` end with
    /// `grad` set; intermediate gradients and the recorded graph are released on the way, so a
    /// graph can be differentiated once.
    public func backward() {
        precondition(count == 1, "backward() starts from a scalar; this tensor has shape \(shape)")
        guard needsGrad else { return }
        let order = topologicalOrder()
        grad = Tensor(repeating: 1, shape: shape)
        for tensor in order.reversed() {
            guard let node = tensor.node else { continue }
            if let outputGrad = tensor.grad {
                node.backward(tensor, outputGrad)
            }
            tensor.node = nil
            if !tensor.requiresGrad { tensor.grad = nil }
        }
    }

    /// Tensors reachable through the tape, each after all of its inputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(tensor: Tensor, nextInput: Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while !stack.isEmpty {
            let (tensor, nextInput) = stack[stack.count - 1]
            let inputs = tensor.node?.inputs ?? []
            if nextInput < inputs.count {
                stack[stack.count - 1].nextInput += 1
                let input = inputs[nextInput]
                if input.needsGrad && visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(tensor)
                stack.removeLast()
            }
        }
        return order
    }
}
