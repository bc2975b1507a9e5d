#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Softmax and log-softmax over the last axis.

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
            let maximum = maximumOf(rowIn, length)
            // Use the output row as scratch for the exponentials, then overwrite it.
            for i in 0..<length { rowOut[i] = FastMath.exp(rowIn[i] - maximum) }
            let logTotal = maximum + logf(sumOf(rowOut, length))
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

/// Numerically stable softmax of one row (subtract the maximum first). `input` may equal
/// `output`. The exp loop and the sum are separate so both vectorise.
@inline(__always)
func softmaxRow(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ length: Int) {
    let maximum = maximumOf(input, length)
    for i in 0..<length { output[i] = FastMath.exp(input[i] - maximum) }
    let scale = 1 / sumOf(output, length)
    for i in 0..<length { output[i] *= scale }
}

/// Softmax of one row in place. Not `softmaxRow(row, row, n)`: where that is not inlined, the
/// vectoriser must allow for input and output overlapping and the exp loop runs scalar
/// (it was 8% of a ViT block's attention-side time).
@inline(__always)
func softmaxRowInPlace(_ row: UnsafeMutablePointer<Float>, _ length: Int) {
    let maximum = maximumOf(row, length)
    for i in 0..<length { row[i] = FastMath.exp(row[i] - maximum) }
    let scale = 1 / sumOf(row, length)
    for i in 0..<length { row[i] *= scale }
}

/// dx_i += y_i * (g_i - sum_j g_j y_j)
@inline(__always)
func softmaxBackwardRow(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ length: Int) {
    let dot = dotProduct(g, y, length)
    for i in 0..<length { dx[i] += y[i] * (g[i] - dot) }
}
