#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Softmax and log-softmax over the last axis.

public func softmax(_ x: Tensor) -> Tensor {
    let length = x.shape.last ?? 1
    let rows = x.count / max(length, 1)
    let result = Tensor(uninitializedShape: x.shape)
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(rows, grain: max(1, 8192 / max(length, 1))) { range in
        for row in range { softmaxRow(input + row * length, out + row * length, length) }
    }
    result.recordIfNeeded([x]) { output, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let y = output.pointer, g = outputGrad.pointer
        Parallel.forEachChunk(rows, grain: max(1, 8192 / max(length, 1))) { range in
            for row in range {
                softmaxBackwardRow(y + row * length, g + row * length, dx + row * length, length)
            }
        }
    }
    return result
}

public func logSoftmax(_ x: Tensor) -> Tensor {
    let length = x.shape.last ?? 1
    let rows = x.count / max(length, 1)
    let result = Tensor(uninitializedShape: x.shape)
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(rows, grain: max(1, 8192 / max(length, 1))) { range in
        for row in range {
            let rowIn = input + row * length, rowOut = out + row * length
            var maximum = -Float.infinity
            for i in 0..<length { maximum = max(maximum, rowIn[i]) }
            var total: Float = 0
            for i in 0..<length { total += FastMath.exp(rowIn[i] - maximum) }
            let logTotal = maximum + logf(total)
            for i in 0..<length { rowOut[i] = rowIn[i] - logTotal }
        }
    }
    result.recordIfNeeded([x]) { output, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let y = output.pointer, g = outputGrad.pointer
        // d/dx_i = g_i - softmax_i * sum_j g_j
        for row in 0..<rows {
            let rowY = y + row * length, rowG = g + row * length, rowDX = dx + row * length
            let gradTotal = sumOf(rowG, length)
            for i in 0..<length { rowDX[i] += rowG[i] - FastMath.exp(rowY[i]) * gradTotal }
        }
    }
    return result
}

/// Numerically stable softmax of one row (subtract the maximum first).
@inline(__always)
func softmaxRow(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ length: Int) {
    var maximum = -Float.infinity
    for i in 0..<length { maximum = max(maximum, input[i]) }
    var total: Float = 0
    for i in 0..<length {
        let e = FastMath.exp(input[i] - maximum)
        output[i] = e
        total += e
    }
    let scale = 1 / total
    for i in 0..<length { output[i] *= scale }
}

/// dx_i += y_i * (g_i - sum_j g_j y_j)
@inline(__always)
func softmaxBackwardRow(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ length: Int) {
    var dot: Float = 0
    for i in 0..<length { dot += g[i] * y[i] }
    for i in 0..<length { dx[i] += y[i] * (g[i] - dot) }
}
