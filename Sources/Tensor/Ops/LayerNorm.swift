/// Layer normalisation over the last axis (pre-LN transformer blocks, `ln_post`).

public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
    let channels = x.shape.last ?? 1
    let rows = x.count / max(channels, 1)
    if let weight { precondition(weight.count == channels, "layer norm weight \(weight.shape) for \(channels) channels") }
    if let bias { precondition(bias.count == channels, "layer norm bias \(bias.shape) for \(channels) channels") }
    let result = Tensor(uninitializedShape: x.shape)
    // Cache mean and reciprocal standard deviation per row for the backward pass.
    let statistics = Storage(uninitializedCount: 2 * rows)
    let mean = statistics.pointer, rstd = statistics.pointer + rows
    let input = x.pointer, out = result.pointer
    let gamma = weight?.pointer, beta = bias?.pointer
    Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(channels, 1))) { range in
        for row in range {
            let rowIn = input + row * channels, rowOut = out + row * channels
            let m = sumOf(rowIn, channels) / Float(channels)
            var variance: Float = 0
            for c in 0..<channels {
                let d = rowIn[c] - m
                variance += d * d
            }
            let s = 1 / (variance / Float(channels) + epsilon).squareRoot()
            mean[row] = m
            rstd[row] = s
            for c in 0..<channels {
                let normalized = (rowIn[c] - m) * s
                rowOut[c] = normalized * (gamma?[c] ?? 1) + (beta?[c] ?? 0)
            }
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    result.recordIfNeeded(inputs) { _, outputGrad in
        // Read the cached statistics through the storage, which the closure keeps alive.
        let mean = statistics.pointer, rstd = statistics.pointer + rows
        let g = outputGrad.pointer
        if let dx = x.gradientBuffer() {
            Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(channels, 1))) { range in
                for row in range {
                    let rowIn = input + row * channels, rowGrad = g + row * channels, rowDX = dx + row * channels
                    let m = mean[row], s = rstd[row]
                    // dx = s * (dn - mean(dn) - n * mean(dn * n)), with dn = g * gamma.
                    var meanGrad: Float = 0
                    var meanGradDotNorm: Float = 0
                    for c in 0..<channels {
                        let dn = rowGrad[c] * (gamma?[c] ?? 1)
                        meanGrad += dn
                        meanGradDotNorm += dn * (rowIn[c] - m) * s
                    }
                    meanGrad /= Float(channels)
                    meanGradDotNorm /= Float(channels)
                    for c in 0..<channels {
                        let n = (rowIn[c] - m) * s
                        let dn = rowGrad[c] * (gamma?[c] ?? 1)
                        rowDX[c] += s * (dn - meanGrad - n * meanGradDotNorm)
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
                for c in 0..<channels {
                    dGamma?[c] += rowGrad[c] * (rowIn[c] - m) * s
                    dBeta?[c] += rowGrad[c]
                }
            }
        }
    }
    return result
}
