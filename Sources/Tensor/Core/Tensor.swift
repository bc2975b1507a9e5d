/// A float32 tensor in row-major contiguous storage, with an optional link into the autodiff tape.
///
/// Tensors are reference types: an op's output keeps its inputs alive (through its tape node)
/// until the backward pass has used them. A tensor takes part in differentiation when it is a
/// trainable parameter (`requiresGrad`) or was computed from one; everything else (frozen CLIP
/// weights, target images) flows through ops without recording anything.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: Storage
    public let count: Int

    /// Leaf that receives a gradient in `backward()`. Frozen parameters leave this `false`, so no
    /// gradient buffer is ever allocated or computed for them.
    public var requiresGrad: Bool

    /// After `backward()`: d(loss)/d(self) for leaves that require it; `nil` otherwise.
    public internal(set) var grad: Tensor?

    /// The op that produced this tensor, when it depends on something trainable.
    var node: TapeNode?

    /// Whether a gradient must flow to or through this tensor.
    public var needsGrad: Bool { requiresGrad || node != nil }

    public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(storage.count >= count, "storage of \(storage.count) floats cannot hold shape \(shape)")
        self.shape = shape
        self.storage = storage
        self.count = count
        self.requiresGrad = requiresGrad
    }

    /// Memory every element of which the caller will write.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: Storage(uninitializedCount: shape.reduce(1, *)))
    }

    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: Storage(zeroedCount: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    public convenience init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        pointer.initialize(repeating: value, count: count)
    }

    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
        self.requiresGrad = requiresGrad
    }

    public convenience init(scalar value: Float) {
        self.init(shape: [], values: [value])
    }

    @inlinable public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var rank: Int { shape.count }
    public var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single value of a one-element tensor (a loss).
    public var item: Float {
        precondition(count == 1, "item of a tensor with shape \(shape)")
        return pointer[0]
    }

    /// Size of `axis`; negative axes count from the end.
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis)] }

    func normalizedAxis(_ axis: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "axis \(axis) out of range for shape \(shape)")
        return resolved
    }

    /// A copy that shares nothing with the tape: a constant for what follows.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// A fresh copy of the values with no tape link.
    public func copy() -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    /// Overwrites the values in place (parameters after an optimiser step, clamping). Only
    /// allowed outside a recorded computation.
    public func assign(_ values: [Float]) {
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Drops the gradient of a parameter before the next step.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = values.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), values: [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
