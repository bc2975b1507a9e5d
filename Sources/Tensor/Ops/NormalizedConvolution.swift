// A frozen CNN tower's layer as one op: convolutions, each followed by its batch norm in eval
// mode, summed with an optional residual, through an optional ReLU — a CLIP ResNet's
// `relu(bn(conv(x)))` and its bottleneck's `relu(bn3(conv3(out)) + bn(downsample(x)))`.
//
// It computes exactly what `conv2d`, `batchNormInference`, `+` and `relu` compute one after the
// other (the same kernels, the same rounding: NormalizedConvolutionTests holds them equal), but
// keeps one tensor on the tape where those keep three to six. With frozen weights nothing in the
// backward needs a convolution's input or the norm's, only the ReLU's mask, which the output
// gives; the norm, sum and ReLU run in one pass instead of three each way. `FusedLayer` is that
// layer without the tape: CLIP's ResNet chains them into whole stages recorded as one op each
// (`FrozenBottleneck.swift`), which keep only bit masks inside.

/// A convolution with a frozen weight followed by its frozen batch norm (eval mode), as one layer
/// of `normalizedConvolutions`.
public final class FrozenNormalizedConvolution: @unchecked Sendable {
    public let weight: FrozenConvolutionWeight
    public let stride: Int
    public let padding: Int
    /// The norm as one scale and shift per channel (`batchNormCoefficients`).
    let coefficients: Storage
    /// The products' arithmetic: float32, or bf16 through oneDNN (`conv2dBFloat16`'s rules: a bf16
    /// input gradient always, a bf16 forward only where no gradient flows back).
    public var arithmetic = ConvolutionArithmetic.fp32

    /// `weight` [Cout, Cin, k, k] and the norm's running `mean`, `variance`, `gamma` (weight) and
    /// `beta` (bias) [Cout]; all constants.
    public init(
        weight: FrozenConvolutionWeight, mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor, stride: Int = 1,
        padding: Int = 0, epsilon: Float = 1e-5
    ) {
        let outChannels = weight.weight.shape[0]
        precondition(!weight.weight.requiresGrad, "a normalized convolution's weight is frozen")
        for (name, parameter) in [("mean", mean), ("variance", variance), ("weight", gamma), ("bias", beta)] {
            precondition(parameter.count == outChannels, "batch norm \(name) \(parameter.shape) for \(outChannels) channels")
            precondition(!parameter.needsGrad, "a normalized convolution's batch norm is frozen")
        }
        self.weight = weight
        self.stride = stride
        self.padding = padding
        coefficients = batchNormCoefficients(mean: mean, variance: variance, weight: gamma, bias: beta, epsilon: epsilon)
    }

    var outChannels: Int { weight.weight.shape[0] }
}

/// A convolution with a frozen weight on inputs of one shape, routed as `conv2d` routes it, or in
/// bf16 through oneDNN (the input gradient always; the forward only where no gradient follows
/// it, see `conv2dBFloat16`). The one place that rule lives: `conv2dBFloat16` and the fused
/// layers both run through it.
struct RoutedConvolution {
    let weight: FrozenConvolutionWeight
    let arithmetic: ConvolutionArithmetic
    let geometry: ConvolutionGeometry
    let batch: Int
    let outChannels: Int
    /// Our kernels' schedule; `nil` where oneDNN runs the float32 products (`CLIPCANVAS_CONV`).
    let schedule: ConvolutionSchedule?

    init(_ weight: FrozenConvolutionWeight, stride: Int, padding: Int, arithmetic: ConvolutionArithmetic, inputShape: [Int]) {
        let shape = weight.weight.shape
        precondition(inputShape.count == 4, "conv2d input must be [N, C, H, W], got \(inputShape)")
        precondition(shape[1] == inputShape[1], "conv2d weight \(shape) does not fit input \(inputShape)")
        geometry = ConvolutionGeometry(input: inputShape, weight: shape, stride: (stride, stride), padding: (padding, padding))
        precondition(geometry.outHeight > 0 && geometry.outWidth > 0, "conv2d: kernel \(shape) larger than padded input \(inputShape)")
        self.weight = weight
        self.arithmetic = arithmetic
        batch = inputShape[0]
        outChannels = shape[0]
        schedule =
            ConvolutionRouting.usesOneDNN(geometry, batch: batch, outChannels: outChannels)
            ? nil : ConvolutionSchedule(geometry, batch: batch, outChannels: outChannels)
    }

    /// `layer`'s convolution on inputs of `inputShape`.
    init(_ layer: FrozenNormalizedConvolution, inputShape: [Int]) {
        self.init(layer.weight, stride: layer.stride, padding: layer.padding, arithmetic: layer.arithmetic, inputShape: inputShape)
    }

    var outputShape: [Int] { [batch, outChannels, geometry.outHeight, geometry.outWidth] }

    func forward(
        _ input: UnsafePointer<Float>, bias: UnsafePointer<Float>? = nil, into output: UnsafeMutablePointer<Float>, gradientFollows: Bool
    ) {
        let plain = weight.weight.pointer
        if arithmetic == .bf16 && !gradientFollows {
            OneDNNConvolution.forward(
                input: input, weight: plain, bias: bias, output: output, geometry, batch: batch, outChannels: outChannels,
                arithmetic: .bf16, frozenWeight: weight)
        } else if let schedule {
            schedule.forward(input: input, weight: plain, bias: bias, into: output)
        } else {
            OneDNNConvolution.forward(
                input: input, weight: plain, bias: bias, output: output, geometry, batch: batch, outChannels: outChannels)
        }
    }

    func inputGradient(_ outputGrad: UnsafePointer<Float>, into inputGrad: (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)) {
        let plain = weight.weight.pointer
        if arithmetic == .bf16 {
            OneDNNConvolution.inputGradient(
                outputGrad: outputGrad, weight: plain, into: inputGrad.pointer, accumulate: inputGrad.accumulate, geometry, batch: batch,
                outChannels: outChannels, arithmetic: .bf16, frozenWeight: weight)
        } else if let schedule {
            schedule.backward(input: nil, weight: plain, outputGrad: outputGrad, inputGrad: inputGrad, weightGrad: nil)
        } else {
            OneDNNConvolution.inputGradient(
                outputGrad: outputGrad, weight: plain, into: inputGrad.pointer, accumulate: inputGrad.accumulate, geometry, batch: batch,
                outChannels: outChannels)
        }
    }
}

/// `relu?(Σ norm_i(conv_i(input_i)) + residual)`: each term's frozen convolution and batch norm
/// (`FrozenNormalizedConvolution`), the terms summed in order, then `residual` added, then the
/// ReLU when `relu`. All terms and the residual have the same output shape. Gradients flow to the
/// inputs and the residual (never to the frozen weights); the tape keeps only the output.
public func normalizedConvolutions(
    _ terms: [(input: Tensor, layer: FrozenNormalizedConvolution)], adding residual: Tensor? = nil, relu: Bool
) -> Tensor {
    let layer = FusedLayer(terms.map { ($0.layer, $0.input.shape) }, relu: relu)
    let result = layer.forward(terms.map(\.input), adding: residual, gradientFollows: terms.map(\.input.needsGrad))
    let inputs = terms.map(\.input) + (residual.map { [$0] } ?? [])
    result.recordIfNeeded(inputs) { (output: Tensor, outputGrad: Tensor) -> Void in
        layer.backward(
            outputGrad.pointer, mask: OutputMask(output: output.pointer), inputGrads: terms.map { $0.input.gradientTarget },
            residualGrad: residual.map { $0.gradientTarget })
    }
    return result
}

/// One fused layer's shapes and routed convolutions, and its forward and backward without the
/// tape: `normalizedConvolutions` records one of these, `frozenBottlenecks` chains several.
struct FusedLayer {
    let terms: [(layer: FrozenNormalizedConvolution, convolution: RoutedConvolution)]
    let relu: Bool
    /// The output's [N, C, H, W].
    let shape: [Int]

    init(_ terms: [(layer: FrozenNormalizedConvolution, inputShape: [Int])], relu: Bool) {
        precondition(!terms.isEmpty, "normalizedConvolutions needs at least one convolution")
        self.terms = terms.map { ($0.layer, RoutedConvolution($0.layer, inputShape: $0.inputShape)) }
        self.relu = relu
        shape = self.terms[0].convolution.outputShape
        for term in self.terms.dropFirst() {
            precondition(term.convolution.outputShape == shape, "summed convolutions give \(term.convolution.outputShape) and \(shape)")
        }
    }

    private var channels: Int { shape[1] }
    private var planes: Int { shape[0] * shape[1] }
    private var planeSize: Int { shape[2] * shape[3] }

    /// The layer's output from `inputs` (one per term) and the optional `residual`; a term's
    /// bf16 forward only where no gradient follows it (`gradientFollows`, see `conv2dBFloat16`).
    func forward(_ inputs: [Tensor], adding residual: Tensor?, gradientFollows: [Bool]) -> Tensor {
        if let residual { precondition(residual.shape == shape, "residual \(residual.shape) added to convolutions giving \(shape)") }
        let channels = channels, planeSize = planeSize
        let result = Tensor(uninitializedShape: shape)
        let out = result.pointer
        // The first term goes straight into the output, each further one through a scratch buffer.
        let scratch = terms.count > 1 ? Storage(uninitializedCount: result.count) : nil
        for (index, (term, input)) in zip(terms, inputs).enumerated() {
            let target = index == 0 ? out : scratch!.pointer
            term.convolution.forward(input.pointer, into: target, gradientFollows: gradientFollows[index])
            let scale = term.layer.coefficients.pointer, shift = scale + channels
            let isLast = index == terms.count - 1
            let added = isLast ? residual?.pointer : nil
            let rectifies = isLast && relu
            Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
                for plane in range {
                    let offset = plane * planeSize
                    epilogue(
                        out + offset, target + offset, planeSize, (scale[plane % channels], shift[plane % channels]), sums: index > 0,
                        added: added.map { $0 + offset }, rectifies: rectifies)
                }
            }
        }
        return result
    }

    /// From the output gradient `g`: the inputs' gradients (stored or added into each target a
    /// closure gives, asked just before its first write; `nil` for none) and the residual's.
    /// `mask` says where the ReLU passed (ignored without one).
    func backward<Mask: ReLUMask>(
        _ g: UnsafePointer<Float>, mask: Mask, inputGrads: [() -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?],
        residualGrad: (() -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?)?
    ) {
        let count = shape.reduce(1, *), channels = channels, planeSize = planeSize, relu = relu
        let residualTarget = residualGrad?()
        // One pass takes the ReLU's backward (`g · (pre-activation > 0)`), gives it to the
        // residual, and takes the first term's norm backward (`· scale` per channel); further
        // terms (a projection) read it kept.
        let scaled = Storage(uninitializedCount: count)
        let kept = relu && terms.count > 1 ? Storage(uninitializedCount: count) : nil
        let firstScale = UnsafePointer(terms[0].layer.coefficients.pointer)
        let keptPointer = kept?.pointer, scaledPointer = scaled.pointer
        let residualPointer = residualTarget?.pointer, residualAccumulates = residualTarget?.accumulate ?? false
        Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
            for plane in range {
                let offset = plane * planeSize
                backwardPlane(
                    g + offset, mask: mask, offset: offset, planeSize, rectifies: relu, kept: keptPointer.map { $0 + offset },
                    residual: residualPointer.map { $0 + offset }, residualAccumulates: residualAccumulates,
                    scaled: scaledPointer + offset, scale: firstScale[plane % channels])
            }
        }
        let masked: UnsafePointer<Float> = kept.map { UnsafePointer($0.pointer) } ?? g
        for index in terms.indices {
            let term = terms[index]
            if index > 0 {
                let scale = term.layer.coefficients.pointer, target = scaled.pointer
                Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
                    for plane in range {
                        let a = scale[plane % channels]
                        for i in plane * planeSize..<(plane + 1) * planeSize { target[i] = masked[i] * a }
                    }
                }
            }
            guard let inputGrad = inputGrads[index]() else { continue }
            term.convolution.inputGradient(scaled.pointer, into: inputGrad)
        }
    }
}

/// Where a ReLU passed its input: 1 or 0 per element, as floats.
protocol ReLUMask {
    func factors(_ i: Int) -> SIMD16<Float>
    func factor(_ i: Int) -> Float
}

/// A ReLU's own output: positive exactly where its input was.
struct OutputMask: ReLUMask {
    let output: UnsafePointer<Float>

    @inline(__always) func factors(_ i: Int) -> SIMD16<Float> {
        let y = UnsafeRawPointer(output + i).loadUnaligned(as: SIMD16<Float>.self)
        return SIMD16<Float>().replacing(with: 1, where: y .> 0)
    }
    @inline(__always) func factor(_ i: Int) -> Float { output[i] > 0 ? 1 : 0 }
}

/// One bit per element, set where the ReLU passed (`frozenBottlenecks` keeps these instead of
/// maps: 1/32 of their size), element `i` in bit `i % 8` of byte `i / 8`.
struct BitMask: ReLUMask {
    let bits: UnsafePointer<UInt8>

    @inline(__always) func factors(_ i: Int) -> SIMD16<Float> {
        // Sixteen bits from any bit position: a 32-bit load shifted down (the buffer is padded).
        let word = UnsafeRawPointer(bits + (i >> 3)).loadUnaligned(as: UInt32.self) &>> UInt32(i & 7)
        let lanes = (SIMD16<UInt32>(repeating: word) &>> BitMask.laneShifts) & 1
        return SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: lanes))
    }
    @inline(__always) func factor(_ i: Int) -> Float { Float((bits[i >> 3] >> UInt8(i & 7)) & 1) }

    private static let laneShifts = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
}

/// One plane of a term after its convolution, in the unfused ops' order: the norm
/// (`term · a + b`), then `sum + that` when `sums` (a later term), then `+ added` (the residual),
/// then the ReLU; into `sum`. Explicit vectors, whose branches on the flags go the same way for
/// the whole plane (a scalar loop with them did not vectorise: 8.8% of a CLIPasso step, 1.4% so).
@inline(__always)
private func epilogue(
    _ sum: UnsafeMutablePointer<Float>, _ term: UnsafePointer<Float>, _ count: Int, _ norm: (scale: Float, shift: Float), sums: Bool,
    added: UnsafePointer<Float>?, rectifies: Bool
) {
    typealias Lanes = SIMD16<Float>
    let a = Lanes(repeating: norm.scale), b = Lanes(repeating: norm.shift), zero = Lanes()
    @inline(__always) func load(_ pointer: UnsafePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(pointer + i).loadUnaligned(as: Lanes.self)
    }
    var i = 0
    while i + Lanes.scalarCount <= count {
        var value = load(term, i) * a + b
        if sums { value = load(sum, i) + value }
        if let added { value = value + load(added, i) }
        // As `max(value, 0)` below and in `relu`: a NaN stays NaN.
        if rectifies { value.replace(with: zero, where: value .< zero) }
        UnsafeMutableRawPointer(sum + i).storeBytes(of: value, as: Lanes.self)
        i += Lanes.scalarCount
    }
    while i < count {
        var value = term[i] * norm.scale + norm.shift
        if sums { value = sum[i] + value }
        if let added { value = value + added[i] }
        if rectifies { value = max(value, 0) }
        sum[i] = value
        i += 1
    }
}

/// One plane of the backward's first pass: `m = g · mask` (or `g` without the ReLU), in
/// `relu`'s rounding; `m` stored in `kept`, stored or added into the `residual`'s gradient, and
/// `m · scale` stored in `scaled`, each where given. The flags hold for the whole plane, so the
/// branches inside the loop always go the same way. `offset` is the plane's start in `mask`.
@inline(__always)
private func backwardPlane<Mask: ReLUMask>(
    _ g: UnsafePointer<Float>, mask: Mask, offset: Int, _ count: Int, rectifies: Bool, kept: UnsafeMutablePointer<Float>?,
    residual: UnsafeMutablePointer<Float>?, residualAccumulates: Bool, scaled: UnsafeMutablePointer<Float>, scale: Float
) {
    typealias Lanes = SIMD16<Float>
    let a = Lanes(repeating: scale)
    @inline(__always) func load(_ pointer: UnsafePointer<Float>, _ i: Int) -> Lanes {
        UnsafeRawPointer(pointer + i).loadUnaligned(as: Lanes.self)
    }
    @inline(__always) func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(pointer + i).storeBytes(of: value, as: Lanes.self)
    }
    var i = 0
    while i + Lanes.scalarCount <= count {
        var m = load(g, i)
        if rectifies { m = m * mask.factors(offset + i) }
        if let kept { store(m, kept, i) }
        if let residual { store(residualAccumulates ? load(residual, i) + m : m, residual, i) }
        store(m * a, scaled, i)
        i += Lanes.scalarCount
    }
    while i < count {
        var m = g[i]
        if rectifies { m = m * mask.factor(offset + i) }
        kept?[i] = m
        if let residual { residual[i] = residualAccumulates ? residual[i] + m : m }
        scaled[i] = m * scale
        i += 1
    }
}
