// Layer normalisation over the last axis (pre-LN transformer blocks, `ln_post`).

public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
    let channels = x.shape.last ?? 1
    let rows = x.count / max(channels, 1)
    if let weight { precondition(weight.count == channels, "layer norm weight \(weight.shape) for \(channels) channels") }
    if let bias { precondition(bias.count == channels, "layer norm bias \(bias.shape) for \(channels) channels") }
    // A missing affine part is the identity; materialising it keeps the loops branch-free.
    let gammaTensor = weight ?? Tensor(repeating: 1, shape: [channels])
    let betaTensor = bias ?? Tensor(zeros: [channels])
    let result = Tensor(uninitializedShape: x.shape)
    // Cache mean and reciprocal standard deviation per row for the backward pass.
    let statistics = Storage(uninitializedCount: 2 * rows)
    let input = x.pointer, out = result.pointer
    let gamma = gammaTensor.pointer, beta = betaTensor.pointer
    let grain = max(1, 16_384 / max(channels, 1))
    Parallel.forEachChunk(rows, grain: grain) { range in
        let mean = statistics.pointer, rstd = statistics.pointer + rows
        for row in range {
            let rowIn = input + row * channels, rowOut = out + row * channels
            let m = sumOf(rowIn, channels) / Float(channels)
            let variance = squaredDeviationSum(rowIn, channels, mean: m) / Float(channels)
            let s = 1 / (variance + epsilon).squareRoot()
            mean[row] = m
            rstd[row] = s
            for c in 0..<channels { rowOut[c] = (rowIn[c] - m) * s * gamma[c] + beta[c] }
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    result.recordIfNeeded(inputs) { _, outputGrad in
        // Read cached and materialised buffers through their owners, which the closure keeps alive.
        let mean = statistics.pointer, rstd = statistics.pointer + rows
        let gamma = gammaTensor.pointer
        let g = outputGrad.pointer
        if let (dx, accumulate) = x.gradientTarget() {
            Parallel.forEachChunk(rows, grain: grain) { range in
                // dx = s * (dn − mean(dn) − n * mean(dn · n)), with dn = g * gamma and
                // n = (x − m) * s. One pass gathers Σ dn and Σ dn · (x − m); the second writes dx.
                for row in range {
                    let rowIn = input + row * channels, rowGrad = g + row * channels, rowDX = dx + row * channels
                    let m = mean[row], s = rstd[row]
                    let (total, dotCentered) = scaledGradientSums(rowGrad, gamma, rowIn, m, channels)
                    // dx = s * dn + b * (x − m) + c with the row constants folded.
                    let b = -s * s * s * dotCentered / Float(channels), c = -s * total / Float(channels)
                    if accumulate {
                        for i in 0..<channels { rowDX[i] += s * (rowGrad[i] * gamma[i]) + b * (rowIn[i] - m) + c }
                    } else {
                        for i in 0..<channels { rowDX[i] = s * (rowGrad[i] * gamma[i]) + b * (rowIn[i] - m) + c }
                    }
                }
            }
        }
        let dGamma = weight?.gradientBuffer()
        let dBeta = bias?.gradientBuffer()
        if dGamma != nil || dBeta != nil {
            for row in 0..<rows {
                let rowIn = input + row * channels, rowGrad = g + row * channels
                let m = mean[row], s = rstd[row]
                if let dGamma { for c in 0..<channels { dGamma[c] += rowGrad[c] * (rowIn[c] - m) * s } }
                if let dBeta { for c in 0..<channels { dBeta[c] += rowGrad[c] } }
            }
        }
    }
    return result
}

/// (Σ g·γ, Σ g·γ·(x − mean)) over one row, in one pass with 8-lane accumulators.
@inline(__always)
private func scaledGradientSums(
    _ g: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ mean: Float, _ count: Int
) -> (Float, Float) {
    var totalLanes = SIMD8<Float>(), dotLanes = SIMD8<Float>()
    let center = SIMD8<Float>(repeating: mean)
    var i = 0
    while i + 8 <= count {
        let scaled =
            UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(gamma + i).loadUnaligned(as: SIMD8<Float>.self)
        totalLanes += scaled
        dotLanes += scaled * (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - center)
        i += 8
    }
    var total = totalLanes.sum(), dot = dotLanes.sum()
    while i < count {
        let scaled = g[i] * gamma[i]
        total += scaled
        dot += scaled * (x[i] - mean)
        i += 1
    }
    return (total, dot)
}
