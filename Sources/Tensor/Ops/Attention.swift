/// Multi-head scaled dot-product attention, fused per (batch, head).
///
/// Heads are never copied out: each head's queries, keys and values are a column block of a
/// row-major [B, T, C] (or packed [B, T, 3C]) tensor, which sgemm reads in place through its
/// leading dimension. The probabilities are kept for the backward pass and returned, since
/// CLIPasso's saliency map is built from them.

/// The result of attention: the mixed values, and the attention probabilities [B, H, Tq, Tk]
/// (a constant: no gradient flows through this copy).
public struct AttentionOutput {
    public let output: Tensor
    public let probabilities: Tensor
}

/// Where one operand's rows live: `tensor` is [B, T, rowStride], and the operand occupies
/// columns `columnOffset ..< columnOffset + C`.
private struct AttentionOperand {
    let tensor: Tensor
    let length: Int
    let rowStride: Int
    let columnOffset: Int

    func head(_ batch: Int, _ head: Int, _ headSize: Int) -> Int {
        batch * length * rowStride + columnOffset + head * headSize
    }
}

/// Self-attention from a packed projection [B, T, 3C] laid out as (q | k | v), the layout of a
/// PyTorch `in_proj_weight`.
public func attention(packed qkv: Tensor, heads: Int, causal: Bool = false) -> AttentionOutput {
    precondition(qkv.rank == 3 && qkv.shape[2] % (3 * heads) == 0, "packed attention input \(qkv.shape) for \(heads) heads")
    let length = qkv.shape[1], width = qkv.shape[2] / 3
    return attentionKernel(
        query: AttentionOperand(tensor: qkv, length: length, rowStride: 3 * width, columnOffset: 0),
        key: AttentionOperand(tensor: qkv, length: length, rowStride: 3 * width, columnOffset: width),
        value: AttentionOperand(tensor: qkv, length: length, rowStride: 3 * width, columnOffset: 2 * width),
        batch: qkv.shape[0], width: width, heads: heads, causal: causal, inputs: [qkv])
}

/// Attention with separate query [B, Tq, C], key and value [B, Tk, C] tensors (the ResNet
/// attention pool queries with one token).
public func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool = false) -> AttentionOutput {
    precondition(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention takes [B, T, C] tensors")
    precondition(key.shape == value.shape, "attention: key \(key.shape) and value \(value.shape) differ")
    precondition(query.shape[0] == key.shape[0] && query.shape[2] == key.shape[2], "attention: query \(query.shape) vs key \(key.shape)")
    precondition(query.shape[2] % heads == 0, "attention width \(query.shape[2]) not divisible by \(heads) heads")
    let width = query.shape[2]
    return attentionKernel(
        query: AttentionOperand(tensor: query, length: query.shape[1], rowStride: width, columnOffset: 0),
        key: AttentionOperand(tensor: key, length: key.shape[1], rowStride: width, columnOffset: 0),
        value: AttentionOperand(tensor: value, length: value.shape[1], rowStride: width, columnOffset: 0),
        batch: query.shape[0], width: width, heads: heads, causal: causal, inputs: [query, key, value])
}

private func attentionKernel(
    query: AttentionOperand, key: AttentionOperand, value: AttentionOperand,
    batch: Int, width: Int, heads: Int, causal: Bool, inputs: [Tensor]
) -> AttentionOutput {
    let headSize = width / heads
    let queryLength = query.length, keyLength = key.length
    let scale = 1 / Float(headSize).squareRoot()
    let probabilities = Tensor(uninitializedShape: [batch, heads, queryLength, keyLength])
    let result = Tensor(uninitializedShape: [batch, queryLength, width])
    let p = probabilities.pointer, out = result.pointer
    let q = query.tensor.pointer, k = key.tensor.pointer, v = value.tensor.pointer

    Parallel.forEach(batch * heads) { pair in
        let b = pair / heads, h = pair % heads
        let scores = p + pair * queryLength * keyLength
        // scores = scale * Q_h K_hᵀ
        gemm(
            transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: headSize, alpha: scale,
            a: q + query.head(b, h, headSize), lda: query.rowStride,
            b: k + key.head(b, h, headSize), ldb: key.rowStride, beta: 0, c: scores, ldc: keyLength)
        for row in 0..<queryLength {
            let rowScores = scores + row * keyLength
            // A causal row sees keys 0...row; the rest get exactly zero probability.
            let visible = causal ? min(row + 1, keyLength) : keyLength
            softmaxRow(rowScores, rowScores, visible)
            for column in visible..<keyLength { rowScores[column] = 0 }
        }
        // O_h = P V_h, written straight into the head's column block of the output.
        gemm(
            transposeA: false, transposeB: false, m: queryLength, n: headSize, k: keyLength,
            a: scores, lda: keyLength, b: v + value.head(b, h, headSize), ldb: value.rowStride,
            beta: 0, c: out + b * queryLength * width + h * headSize, ldc: width)
    }

    result.recordIfNeeded(inputs) { _, outputGrad in
        // Read the cached probabilities through the tensor, which the closure keeps alive.
        let p = probabilities.pointer
        let g = outputGrad.pointer
        let dq = query.tensor.gradientBuffer()
        let dk = key.tensor.gradientBuffer()
        let dv = value.tensor.gradientBuffer()
        Parallel.forEach(batch * heads) { pair in
            let b = pair / heads, h = pair % heads
            let probs = p + pair * queryLength * keyLength
            let gradOut = g + b * queryLength * width + h * headSize
            if let dv {
                // dV_h += Pᵀ dO_h
                gemm(
                    transposeA: true, transposeB: false, m: keyLength, n: headSize, k: queryLength,
                    a: probs, lda: keyLength, b: gradOut, ldb: width,
                    beta: 1, c: dv + value.head(b, h, headSize), ldc: value.rowStride)
            }
            guard dq != nil || dk != nil else { return }
            // dP = dO_h V_hᵀ, then through the softmax: dS = P ⊙ (dP − rowsum(dP ⊙ P)).
            let dScores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
            defer { dScores.deallocate() }
            gemm(
                transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: headSize,
                a: gradOut, lda: width, b: v + value.head(b, h, headSize), ldb: value.rowStride,
                beta: 0, c: dScores, ldc: keyLength)
            for row in 0..<queryLength {
                let rowP = probs + row * keyLength, rowD = dScores + row * keyLength
                let dot = dotProduct(rowP, rowD, keyLength)
                for column in 0..<keyLength { rowD[column] = rowP[column] * (rowD[column] - dot) }
            }
            if let dq {
                // dQ_h += scale * dS K_h
                gemm(
                    transposeA: false, transposeB: false, m: queryLength, n: headSize, k: keyLength, alpha: scale,
                    a: dScores, lda: keyLength, b: k + key.head(b, h, headSize), ldb: key.rowStride,
                    beta: 1, c: dq + query.head(b, h, headSize), ldc: query.rowStride)
            }
            if let dk {
                // dK_h += scale * dSᵀ Q_h
                gemm(
                    transposeA: true, transposeB: false, m: keyLength, n: headSize, k: queryLength, alpha: scale,
                    a: dScores, lda: keyLength, b: q + query.head(b, h, headSize), ldb: query.rowStride,
                    beta: 1, c: dk + key.head(b, h, headSize), ldc: key.rowStride)
            }
        }
    }
    return AttentionOutput(output: result, probabilities: Tensor(shape: probabilities.shape, storage: probabilities.storage))
}
