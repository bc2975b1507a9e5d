// Per-channel normalisation of NCHW feature maps: batch norm with frozen running statistics (the
// CLIP ResNet in eval mode) and instance norm (the CLIPstyler U-Net).
//
// Both work on planes: plane `p` of an [N, C, ...] tensor is image p / C, channel p % C, and
// holds every spatial position of that pair contiguously.

/// Planes per parallel chunk: enough values per chunk to pay a thread hop.
func planeGrain(_ planeSize: Int) -> Int { max(1, 16_384 / max(planeSize, 1)) }

/// Σ gradient · (input − mean), 8 lanes wide (see `VectorReductions.swift`); centring first
/// keeps a large mean from cancelling the digits that matter.
@inline(__always)
private func centeredDotProduct(_ gradient: UnsafePointer<Float>, _ input: UnsafePointer<Float>, mean: Float, _ count: Int) -> Float {
    var lanes = SIMD8<Float>()
    let center = SIMD8<Float>(repeating: mean)
    var i = 0
    while i + 8 <= count {
        let centered = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD8<Float>.self) - center
        lanes += UnsafeRawPointer(gradient + i).loadUnaligned(as: SIMD8<Float>.self) * centered
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        total += gradient[i] * (input[i] - mean)
        i += 1
    }
    return total
}

/// A batch norm in eval mode folded into one scale and shift per channel, as PyTorch's CPU
/// kernel does: [scale (C), shift (C), reciprocal standard deviation (C)] (the last for the
/// weight's gradient). `NormalizedConvolution.swift` uses the same, so its fused layers compute
/// what `batchNormInference` after `conv2d` does.
func batchNormCoefficients(mean: Tensor, variance: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float) -> Storage {
    let channels = mean.count
    let coefficients = Storage(uninitializedCount: 3 * channels)
    let scale = coefficients.pointer, shift = coefficients.pointer + channels, rstd = coefficients.pointer + 2 * channels
    for c in 0..<channels {
        rstd[c] = 1 / (variance.pointer[c] + epsilon).squareRoot()
        scale[c] = rstd[c] * (weight?.pointer[c] ?? 1)
        shift[c] = (bias?.pointer[c] ?? 0) - mean.pointer[c] * scale[c]
    }
    return coefficients
}

/// `(x − mean) / sqrt(variance + epsilon) · weight + bias` per channel (axis 1) of `x`
/// [N, C, ...], with `mean` and `variance` the layer's running statistics [C], as
/// `BatchNorm2d` in eval mode. The statistics are constants; `weight` and `bias` [C] are
/// optional and receive gradients when they need them.
public func batchNormInference(
    _ x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5
) -> Tensor {
    precondition(x.rank >= 2, "batch norm input must be [N, C, ...], got \(x.shape)")
    let channels = x.shape[1]
    let planes = x.shape[0] * channels, planeSize = x.count / max(planes, 1)
    for (name, parameter) in [("mean", mean), ("variance", variance), ("weight", weight), ("bias", bias)] {
        guard let parameter else { continue }
        precondition(parameter.count == channels, "batch norm \(name) \(parameter.shape) for \(channels) channels")
    }
    precondition(!mean.needsGrad && !variance.needsGrad, "batch norm running statistics are constants")
    let coefficients = batchNormCoefficients(mean: mean, variance: variance, weight: weight, bias: bias, epsilon: epsilon)
    let scale = coefficients.pointer, shift = coefficients.pointer + channels
    let result = Tensor(uninitializedShape: x.shape)
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
        for plane in range {
            let a = scale[plane % channels], b = shift[plane % channels]
            let planeIn = input + plane * planeSize, planeOut = out + plane * planeSize
            for i in 0..<planeSize { planeOut[i] = planeIn[i] * a + b }
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    result.recordIfNeeded(inputs) { _, outputGrad in
        let scale = coefficients.pointer, rstd = coefficients.pointer + 2 * channels
        let g = outputGrad.pointer
        if let dx = x.gradientBuffer() {
            Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
                for plane in range {
                    let a = scale[plane % channels]
                    let planeGrad = g + plane * planeSize, planeDX = dx + plane * planeSize
                    for i in 0..<planeSize { planeDX[i] += planeGrad[i] * a }
                }
            }
        }
        let dWeight = weight?.gradientBuffer()
        let dBias = bias?.gradientBuffer()
        guard dWeight != nil || dBias != nil else { return }
        // Each channel sums over the batch's planes of that channel, so channels run in parallel.
        let batch = x.shape[0]
        Parallel.forEachChunk(channels, grain: planeGrain(batch * planeSize)) { range in
            for c in range {
                let m = mean.pointer[c]
                var gradSum: Float = 0, gradDotCentered: Float = 0
                for n in 0..<batch {
                    let plane = n * channels + c
                    let planeIn = input + plane * planeSize, planeGrad = g + plane * planeSize
                    gradSum += sumOf(planeGrad, planeSize)
                    gradDotCentered += centeredDotProduct(planeGrad, planeIn, mean: m, planeSize)
                }
                dWeight?[c] += gradDotCentered * rstd[c]
                dBias?[c] += gradSum
            }
        }
    }
    return result
}

/// Normalises each (image, channel) plane of `x` [N, C, ...] to zero mean and unit variance
/// (biased variance, as `torch.nn.InstanceNorm2d`), then applies the optional per-channel
/// `weight` and `bias` [C].
public func instanceNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
    precondition(x.rank >= 3, "instance norm input must be [N, C, H, ...], got \(x.shape)")
    let batch = x.shape[0], channels = x.shape[1]
    let planes = batch * channels, planeSize = x.count / max(planes, 1)
    if let weight { precondition(weight.count == channels, "instance norm weight \(weight.shape) for \(channels) channels") }
    if let bias { precondition(bias.count == channels, "instance norm bias \(bias.shape) for \(channels) channels") }
    let result = Tensor(uninitializedShape: x.shape)
    // Cache mean and reciprocal standard deviation per plane for the backward pass.
    let statistics = Storage(uninitializedCount: 2 * planes)
    let mean = statistics.pointer, rstd = statistics.pointer + planes
    let input = x.pointer, out = result.pointer
    let gamma = weight?.pointer, beta = bias?.pointer
    Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
        for plane in range {
            let planeIn = input + plane * planeSize, planeOut = out + plane * planeSize
            let m = sumOf(planeIn, planeSize) / Float(planeSize)
            let variance = squaredDeviationSum(planeIn, planeSize, mean: m) / Float(planeSize)
            let s = 1 / (variance + epsilon).squareRoot()
            mean[plane] = m
            rstd[plane] = s
            let a = s * (gamma?[plane % channels] ?? 1), b = beta?[plane % channels] ?? 0
            for i in 0..<planeSize { planeOut[i] = (planeIn[i] - m) * a + b }
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    result.recordIfNeeded(inputs) { _, outputGrad in
        let mean = statistics.pointer, rstd = statistics.pointer + planes
        let g = outputGrad.pointer
        // Per plane: the sum of the gradient and its dot product with the normalised input,
        // which both the input's and the affine parameters' gradients are made of.
        let sums = Storage(uninitializedCount: 2 * planes)
        let gradSum = sums.pointer, gradDotNormalized = sums.pointer + planes
        Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
            for plane in range {
                let planeIn = input + plane * planeSize, planeGrad = g + plane * planeSize
                gradSum[plane] = sumOf(planeGrad, planeSize)
                gradDotNormalized[plane] = centeredDotProduct(planeGrad, planeIn, mean: mean[plane], planeSize) * rstd[plane]
            }
        }
        if let dx = x.gradientBuffer() {
            Parallel.forEachChunk(planes, grain: planeGrain(planeSize)) { range in
                for plane in range {
                    let planeIn = input + plane * planeSize, planeGrad = g + plane * planeSize, planeDX = dx + plane * planeSize
                    let m = mean[plane], s = rstd[plane]
                    // dx = s·γ·(g − mean(g) − n̂·mean(g·n̂)), with n̂ the normalised input.
                    let a = s * (gamma?[plane % channels] ?? 1)
                    let meanGrad = gradSum[plane] / Float(planeSize)
                    let meanGradDotNormalized = gradDotNormalized[plane] / Float(planeSize)
                    for i in 0..<planeSize {
                        let normalized = (planeIn[i] - m) * s
                        planeDX[i] += a * (planeGrad[i] - meanGrad - normalized * meanGradDotNormalized)
                    }
                }
            }
        }
        let dWeight = weight?.gradientBuffer()
        let dBias = bias?.gradientBuffer()
        guard dWeight != nil || dBias != nil else { return }
        for plane in 0..<planes {
            dWeight?[plane % channels] += gradDotNormalized[plane]
            dBias?[plane % channels] += gradSum[plane]
        }
    }
    return result
}
