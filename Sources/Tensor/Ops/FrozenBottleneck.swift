// A stage of a CLIP ResNet — bottleneck blocks with frozen weights — as one op on the tape (and
// its stem, the same way).
//
// With frozen weights, the backward of a convolution, a batch norm, an average pool and a sum
// needs no values at all, and a ReLU's only where it passed. Recorded layer by layer
// (`normalizedConvolutions`), every layer's output map stays on the tape because the next
// layer's node holds it; recorded as one op, the stage keeps its own output and one bit per
// element for each ReLU inside it. On RN101 that is 7 MB a view instead of 66 MB, which lets
// CLIPasso put its 5 copies through in one batch (Winograd and wide products on the 14x14
// stage) within less memory than one copy took before.
//
// The values and gradients are those of the blocks recorded layer by layer, up to the order in
// which a block's input gradient sums its paths (FrozenBottleneckTests).

/// A ResNet bottleneck with frozen weights, as CLIP's modified ResNet has them: `reduce` (1x1)
/// and `spatial` (3x3), each with its ReLU, an average pool of `stride` when strided, `expand`
/// (1x1) plus the identity — `x`, or `downsample` (1x1) of `x` average-pooled by `stride` — then
/// a ReLU.
public struct FrozenBottleneck: Sendable {
    public let reduce: FrozenNormalizedConvolution
    public let spatial: FrozenNormalizedConvolution
    public let expand: FrozenNormalizedConvolution
    public let downsample: FrozenNormalizedConvolution?
    public let stride: Int

    public init(
        reduce: FrozenNormalizedConvolution, spatial: FrozenNormalizedConvolution, expand: FrozenNormalizedConvolution,
        downsample: FrozenNormalizedConvolution?, stride: Int
    ) {
        precondition(stride >= 1, "a bottleneck's stride is at least 1")
        precondition(downsample != nil || stride == 1, "a strided bottleneck needs its downsampling projection")
        self.reduce = reduce
        self.spatial = spatial
        self.expand = expand
        self.downsample = downsample
        self.stride = stride
    }
}

/// `blocks` applied to `x` [N, C, H, W] one after another, recorded as one op: the gradient
/// flows to `x`; the tape keeps the output and the ReLU masks as bits.
public func frozenBottlenecks(_ x: Tensor, _ blocks: [FrozenBottleneck]) -> Tensor {
    precondition(!blocks.isEmpty, "frozenBottlenecks needs at least one block")
    let follows = x.needsGrad
    var passes: [BottleneckPass] = []
    // `x`'s values without its place on the tape: the blocks below run tape-free.
    var current = Tensor(shape: x.shape, storage: x.storage)
    for block in blocks {
        let (pass, output) = BottleneckPass.run(block, input: current, keepingMasks: follows)
        // The previous block's output has been read: its mask is all its backward needs.
        if follows, !passes.isEmpty { passes[passes.count - 1].keepOutputMask(of: current) }
        if follows { passes.append(pass) }
        current = output
    }
    let result = current
    guard follows else { return result }
    let inputCount = x.count
    result.recordIfNeeded([x]) { output, outputGrad in
        var gradient = GradientSlot(written: outputGrad.pointer)
        for (index, pass) in passes.enumerated().reversed() {
            let inputGradient =
                index == 0 ? GradientSlot(target: { x.gradientTarget() }, count: inputCount) : GradientSlot(count: pass.inputCount)
            if let mask = pass.outputMask {
                pass.backward(gradient, outputMask: mask.mask, into: inputGradient)
            } else {
                pass.backward(gradient, outputMask: OutputMask(output: output.pointer), into: inputGradient)
            }
            gradient = inputGradient
        }
    }
    return result
}

/// `relu(layer(x))` for each of `layers` in turn, then an average pool of `pool` (a CLIP ResNet's
/// stem), recorded as one op as `frozenBottlenecks` is: the tape keeps the pooled output and a
/// bit per element of each ReLU.
public func frozenStem(_ x: Tensor, _ layers: [FrozenNormalizedConvolution], averagePool pool: Int) -> Tensor {
    precondition(!layers.isEmpty, "frozenStem needs at least one layer")
    let follows = x.needsGrad
    var current = Tensor(shape: x.shape, storage: x.storage)
    var passes: [(layer: FusedLayer, inputShape: [Int], mask: BitMaskStorage?)] = []
    for layer in layers {
        let fused = FusedLayer([(layer, current.shape)], relu: true)
        let output = fused.forward([current], adding: nil, gradientFollows: [follows])
        passes.append((fused, current.shape, follows ? BitMaskStorage(of: output) : nil))
        current = output
    }
    let convolvedShape = current.shape
    let result = avgPool2d(current, kernel: pool, stride: pool)
    guard follows else { return result }
    result.recordIfNeeded([x]) { _, outputGrad in
        var gradient = GradientSlot(count: convolvedShape.reduce(1, *))
        averagePoolBackward(
            outputGrad.pointer, addingInto: gradient.addingTarget()!, inputShape: convolvedShape, kernel: pool, stride: pool, padding: 0)
        for (index, pass) in passes.enumerated().reversed() {
            let inputCount = pass.inputShape.reduce(1, *)
            let inputGradient =
                index == 0 ? GradientSlot(target: { x.gradientTarget() }, count: inputCount) : GradientSlot(count: inputCount)
            pass.layer.backward(gradient.values, mask: pass.mask!.mask, inputGrads: [inputGradient.target], residualGrad: nil)
            gradient = inputGradient
        }
    }
    return result
}

/// One block's forward, and what its backward needs of it: shapes, routed layers, masks.
private struct BottleneckPass {
    let block: FrozenBottleneck
    let reduce: FusedLayer, spatial: FusedLayer, tail: FusedLayer
    let inputShape: [Int], spatialShape: [Int], pooledShape: [Int], identityShape: [Int]
    let reducedMask: BitMaskStorage?, spatialMask: BitMaskStorage?
    /// The output's mask once the next block has read the output (the last block's output
    /// stays on the tape and is its own mask).
    private(set) var outputMask: BitMaskStorage?

    /// The block's output from `input`, and the pass that can take its gradient back (with the
    /// masks only when `keepingMasks`).
    static func run(_ block: FrozenBottleneck, input: Tensor, keepingMasks: Bool) -> (BottleneckPass, Tensor) {
        let reduce = FusedLayer([(block.reduce, input.shape)], relu: true)
        let reduced = reduce.forward([input], adding: nil, gradientFollows: [keepingMasks])
        let spatial = FusedLayer([(block.spatial, reduced.shape)], relu: true)
        let spatialOutput = spatial.forward([reduced], adding: nil, gradientFollows: [keepingMasks])
        let pooled = block.stride > 1 ? avgPool2d(spatialOutput, kernel: block.stride, stride: block.stride) : spatialOutput
        let identity = block.stride > 1 ? avgPool2d(input, kernel: block.stride, stride: block.stride) : input
        let tail: FusedLayer, output: Tensor
        if let downsample = block.downsample {
            tail = FusedLayer([(block.expand, pooled.shape), (downsample, identity.shape)], relu: true)
            output = tail.forward([pooled, identity], adding: nil, gradientFollows: [keepingMasks, keepingMasks])
        } else {
            tail = FusedLayer([(block.expand, pooled.shape)], relu: true)
            output = tail.forward([pooled], adding: input, gradientFollows: [keepingMasks])
        }
        let pass = BottleneckPass(
            block: block, reduce: reduce, spatial: spatial, tail: tail, inputShape: input.shape, spatialShape: spatialOutput.shape,
            pooledShape: pooled.shape, identityShape: identity.shape,
            reducedMask: keepingMasks ? BitMaskStorage(of: reduced) : nil,
            spatialMask: keepingMasks ? BitMaskStorage(of: spatialOutput) : nil, outputMask: nil)
        return (pass, output)
    }

    var inputCount: Int { inputShape.reduce(1, *) }

    mutating func keepOutputMask(of output: Tensor) { outputMask = BitMaskStorage(of: output) }

    /// From the gradient of the block's output, its input's gradient, into `inputGradient`.
    func backward<Mask: ReLUMask>(_ gradient: GradientSlot, outputMask: Mask, into inputGradient: GradientSlot) {
        let g = gradient.values
        let pooledGradient = GradientSlot(count: pooledShape.reduce(1, *))
        if block.downsample != nil {
            let identityGradient = block.stride > 1 ? GradientSlot(count: identityShape.reduce(1, *)) : inputGradient
            tail.backward(g, mask: outputMask, inputGrads: [pooledGradient.target, identityGradient.target], residualGrad: nil)
            if block.stride > 1, let dx = inputGradient.addingTarget() {
                averagePoolBackward(
                    identityGradient.values, addingInto: dx, inputShape: inputShape, kernel: block.stride, stride: block.stride, padding: 0)
            }
        } else {
            tail.backward(g, mask: outputMask, inputGrads: [pooledGradient.target], residualGrad: inputGradient.target)
        }
        var spatialGradient = pooledGradient
        if block.stride > 1 {
            spatialGradient = GradientSlot(count: spatialShape.reduce(1, *))
            averagePoolBackward(
                pooledGradient.values, addingInto: spatialGradient.addingTarget()!, inputShape: spatialShape, kernel: block.stride,
                stride: block.stride, padding: 0)
        }
        let reducedGradient = GradientSlot(count: reduce.shape.reduce(1, *))
        spatial.backward(spatialGradient.values, mask: spatialMask!.mask, inputGrads: [reducedGradient.target], residualGrad: nil)
        reduce.backward(reducedGradient.values, mask: reducedMask!.mask, inputGrads: [inputGradient.target], residualGrad: nil)
    }
}

/// Where a ReLU output is positive, one bit per element (`BitMask`), owned.
private final class BitMaskStorage {
    let bytes: UnsafeMutablePointer<UInt8>

    init(of output: Tensor) {
        let count = output.count, values = output.pointer
        // Four bytes of padding: `BitMask` reads 32 bits from any byte.
        let byteCount = (count + 7) / 8
        bytes = .allocate(capacity: byteCount + 4)
        (bytes + byteCount).initialize(repeating: 0, count: 4)
        let target = bytes
        // Sixteen elements (two bytes) at a time; each chunk owns whole pairs of bytes, so no two
        // threads write one.
        let groups = count / 16
        Parallel.forEachChunk(groups, grain: 2048) { range in
            for group in range {
                let v = UnsafeRawPointer(values + group * 16).loadUnaligned(as: SIMD16<Float>.self)
                let packed = BitMaskStorage.laneBits.replacing(with: 0, where: .!(v .> 0)).wrappedSum()
                UnsafeMutableRawPointer(target + group * 2).storeBytes(of: UInt16(truncatingIfNeeded: packed), as: UInt16.self)
            }
        }
        for byte in groups * 2..<byteCount {
            var packed: UInt8 = 0
            for bit in 0..<min(8, count - byte * 8) where values[byte * 8 + bit] > 0 { packed |= 1 << UInt8(bit) }
            target[byte] = packed
        }
    }

    /// Lane i's bit, 1 << i.
    private static let laneBits = SIMD16<UInt32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)

    deinit { bytes.deallocate() }

    var mask: BitMask { BitMask(bits: bytes) }
}

/// A gradient that several paths contribute to: the first stores, the later ones add.
private final class GradientSlot {
    private let count: Int
    private var storage: Storage?
    private var buffer: (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?
    private let make: () -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?
    private var asked = false

    /// Someone else's buffer of `count` floats, asked for on first use (`nil`: no gradient wanted).
    init(target: @escaping () -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?, count: Int) {
        make = target
        self.count = count
    }

    /// A fresh buffer of `count` floats.
    convenience init(count: Int) {
        let storage = Storage(uninitializedCount: count)
        self.init(target: { (storage.pointer, false) }, count: count)
        self.storage = storage
    }

    /// A gradient already computed (the op's output gradient), to be read.
    convenience init(written values: UnsafeMutablePointer<Float>) {
        self.init(target: { (values, true) }, count: 0)
        _ = target()
    }

    /// For a kernel that stores or adds (`accumulate`) every element.
    func target() -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)? {
        if asked { return buffer.map { ($0.pointer, true) } }
        asked = true
        buffer = make()
        return buffer
    }

    /// For a kernel that only adds: the buffer, zeroed on first use.
    func addingTarget() -> UnsafeMutablePointer<Float>? {
        let wasAsked = asked
        guard let (pointer, accumulate) = target() else { return nil }
        if !wasAsked && !accumulate { pointer.update(repeating: 0, count: count) }
        return pointer
    }

    /// The gradient, once written.
    var values: UnsafePointer<Float> {
        precondition(asked && buffer != nil, "a gradient read before any path wrote it")
        return UnsafePointer(buffer!.pointer)
    }
}
