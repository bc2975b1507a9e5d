// Normalisation and similarity measures used by every CLIP loss.

/// x / ‖x‖ over the last axis (CLIP embeddings). `epsilon` guards the all-zero vector, as
/// `torch.nn.functional.normalize` does.
public func l2Normalize(_ x: Tensor, epsilon: Float = 1e-12) -> Tensor {
    let length = x.shape.last ?? 1
    let rows = x.count / max(length, 1)
    let result = Tensor(uninitializedShape: x.shape)
    let norms = Storage(uninitializedCount: rows)
    let input = x.pointer, out = result.pointer, norm = norms.pointer
    for row in 0..<rows {
        let rowIn = input + row * length, rowOut = out + row * length
        norm[row] = max(dotProduct(rowIn, rowIn, length).squareRoot(), epsilon)
        let inverse = 1 / norm[row]
        for i in 0..<length { rowOut[i] = rowIn[i] * inverse }
    }
    result.recordIfNeeded([x]) { output, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let y = output.pointer, g = outputGrad.pointer
        // d(x/‖x‖) = (g − y (g·y)) / ‖x‖
        for row in 0..<rows {
            let rowY = y + row * length, rowG = g + row * length, rowDX = dx + row * length
            let dot = dotProduct(rowG, rowY, length)
            let inverse = 1 / norms.pointer[row]
            for i in 0..<length { rowDX[i] += (rowG[i] - rowY[i] * dot) * inverse }
        }
    }
    return result
}

/// Cosine similarity over the last axis; `a` and `b` broadcast against each other.
public func cosineSimilarity(_ a: Tensor, _ b: Tensor) -> Tensor {
    (l2Normalize(a) * l2Normalize(b)).sum(axes: [-1])
}

/// Mean squared error over all elements.
public func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Tensor {
    square(a - b).mean()
}
