// Multi-head scaled dot-product attention, fused per (batch, head).
//
// Heads are never copied out: each head's queries, keys and values are a column block of a
// row-major [B, T, C] (or packed [B, T, 3C]) tensor, read in place through its leading
// dimension (`headProduct` packs only the few-KB right-hand operand of each product). The probabilities are kept for the backward pass and returned, since
// CLIPasso's saliency map is built from them.

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
        batch: qkv.shape[0], width: width, heads: heads, causal: causal, inputs: [qkv], packed: true)
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
        batch: query.shape[0], width: width, heads: heads, causal: causal, inputs: [query, key, value], packed: false)
}

private func attentionKernel(
    query: AttentionOperand, key: AttentionOperand, value: AttentionOperand,
    batch: Int, width: Int, heads: Int, causal: Bool, inputs: [Tensor], packed: Bool
) -> AttentionOutput {
    let headSize = width / heads
    let queryLength = query.length, keyLength = key.length
    let scale = 1 / Float(headSize).squareRoot()
    let probabilities = Tensor(uninitializedShape: [batch, heads, queryLength, keyLength])
    let result = Tensor(uninitializedShape: [batch, queryLength, width])
    let p = probabilities.pointer, out = result.pointer
    let q = query.tensor.pointer, k = key.tensor.pointer, v = value.tensor.pointer

    // One scratch buffer per thread for the packed B operand of each head product.
    let forwardScratch = max(
        headProductScratchCount(n: keyLength, k: headSize), headProductScratchCount(n: headSize, k: keyLength))
    Parallel.forEachChunk(batch * heads, grain: 1) { pairs in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: forwardScratch)
        defer { scratch.deallocate() }
        for pair in pairs {
            let b = pair / heads, h = pair % heads
            let scores = p + pair * queryLength * keyLength
            // scores = scale * Q_h K_hᵀ
            headProduct(
                transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: headSize, alpha: scale,
                a: q + query.head(b, h, headSize), lda: query.rowStride,
                b: k + key.head(b, h, headSize), ldb: key.rowStride,
                accumulate: false, c: scores, ldc: keyLength, scratch: scratch)
            for row in 0..<queryLength {
                let rowScores = scores + row * keyLength
                // A causal row sees keys 0...row; the rest get exactly zero probability.
                let visible = causal ? min(row + 1, keyLength) : keyLength
                softmaxRowInPlace(rowScores, visible)
                for column in visible..<keyLength { rowScores[column] = 0 }
            }
            // O_h = P V_h, written straight into the head's column block of the output.
            headProduct(
                transposeA: false, transposeB: false, m: queryLength, n: headSize, k: keyLength,
                a: scores, lda: keyLength, b: v + value.head(b, h, headSize), ldb: value.rowStride,
                accumulate: false, c: out + b * queryLength * width + h * headSize, ldc: width, scratch: scratch)
        }
    }

    result.recordIfNeeded(inputs) { _, outputGrad in
        // Read the cached probabilities through the tensor, which the closure keeps alive.
        let p = probabilities.pointer
        let g = outputGrad.pointer
        // Each (batch, head) pair writes its own blocks of dQ, dK, dV, in the order dV, dQ, dK;
        // a freshly allocated buffer is stored into rather than zeroed and added to. Packed
        // q | k | v share one buffer whose three column ranges are disjoint, so all three
        // products store when it is fresh; separate operands may be one tensor passed twice, so
        // their targets are requested in write order and only the first writer stores.
        let dv, dq, dk: (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?
        if packed {
            dv = value.tensor.gradientTarget()
            (dq, dk) = (dv, dv)
        } else {
            dv = value.tensor.gradientTarget()
            dq = query.tensor.gradientTarget()
            dk = key.tensor.gradientTarget()
        }
        let backwardScratch = max(
            headProductScratchCount(n: headSize, k: max(queryLength, keyLength)),
            headProductScratchCount(n: keyLength, k: headSize))
        Parallel.forEachChunk(batch * heads, grain: 1) { pairs in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: backwardScratch)
            let dScores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
            defer {
                scratch.deallocate()
                dScores.deallocate()
            }
            for pair in pairs {
                let b = pair / heads, h = pair % heads
                let probs = p + pair * queryLength * keyLength
                let gradOut = g + b * queryLength * width + h * headSize
                if let dv {
                    // dV_h (+)= Pᵀ dO_h
                    headProduct(
                        transposeA: true, transposeB: false, m: keyLength, n: headSize, k: queryLength,
                        a: probs, lda: keyLength, b: gradOut, ldb: width,
                        accumulate: dv.accumulate, c: dv.pointer + value.head(b, h, headSize), ldc: value.rowStride,
                        scratch: scratch)
                }
                guard dq != nil || dk != nil else { continue }
                // dP = dO_h V_hᵀ, then through the softmax: dS = P ⊙ (dP − rowsum(dP ⊙ P)).
                headProduct(
                    transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: headSize,
                    a: gradOut, lda: width, b: v + value.head(b, h, headSize), ldb: value.rowStride,
                    accumulate: false, c: dScores, ldc: keyLength, scratch: scratch)
                for row in 0..<queryLength {
                    let rowP = probs + row * keyLength, rowD = dScores + row * keyLength
                    let dot = dotProduct(rowP, rowD, keyLength)
                    for column in 0..<keyLength { rowD[column] = rowP[column] * (rowD[column] - dot) }
                }
                if let dq {
                    // dQ_h (+)= scale * dS K_h
                    headProduct(
                        transposeA: false, transposeB: false, m: queryLength, n: headSize, k: keyLength, alpha: scale,
                        a: dScores, lda: keyLength, b: k + key.head(b, h, headSize), ldb: key.rowStride,
                        accumulate: dq.accumulate, c: dq.pointer + query.head(b, h, headSize), ldc: query.rowStride,
                        scratch: scratch)
                }
                if let dk {
                    // dK_h (+)= scale * dSᵀ Q_h
                    headProduct(
                        transposeA: true, transposeB: false, m: keyLength, n: headSize, k: queryLength, alpha: scale,
                        a: dScores, lda: keyLength, b: q + query.head(b, h, headSize), ldb: query.rowStride,
                        accumulate: dk.accumulate, c: dk.pointer + key.head(b, h, headSize), ldc: key.rowStride,
                        scratch: scratch)
                }
            }
        }
    }
    return AttentionOutput(output: result, probabilities: Tensor(shape: probabilities.shape, storage: probabilities.storage))
}
