import CBLAS
import CDNNL

// Matrix products through sgemm (OpenBLAS's or oneDNN's, `GemmRouting`): linear layers and
// general (batched) matmul.
//
// Backward kernels call sgemm with beta = 1 so they add straight into the gradient buffers
// (no temporary). A frozen weight (no `requiresGrad`) skips its weight-gradient product, which
// halves the backward cost of every CLIP layer.

/// Row-major C = alpha * op(A) * op(B) + beta * C. `onOneThread`: the caller is one share of a
/// parallel loop of ours, whose threads take the cores already; oneDNN's sgemm then runs on the
/// calling thread alone (OpenBLAS's thread count is process-wide, so it ignores this).
@inline(__always)
func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, onOneThread: Bool = false
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // sgemm with K = 0 must still apply beta; OpenBLAS may skip it. Beta = 0 means C may be
        // uninitialised (a fresh gradient buffer), so it is stored, never multiplied.
        for row in 0..<m { for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta } }
        return
    }
    if GemmRouting.usesOneDNN {
        // oneDNN's OpenMP team size is per calling thread; ours may have been set elsewhere.
        ReducedPrecisionRuntime.setOpenMPThreads?(onOneThread ? 1 : Int32(Parallel.coreCount))
        let status = dnnl_sgemm(
            CChar(UInt8(ascii: transposeA ? "T" : "N")), CChar(UInt8(ascii: transposeB ? "T" : "N")), Int64(m), Int64(n),
            Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == dnnl_success, "oneDNN's sgemm failed on \(m)x\(k)x\(n) (status \(status.rawValue))")
        return
    }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major C = op(A) · op(B) (beta 0) through the sgemm `GemmRouting` picks, as every layer
/// runs it: what `bench` times for the float32 bound.
public func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
}

/// `x · weightᵀ + bias` over the last axis of `x`, with `weight` shaped [out, in] (PyTorch's
/// `nn.Linear` layout, so checkpoints load without transposing).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
    let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
    precondition(x.shape.last == inFeatures, "linear: input \(x.shape) does not end in \(inFeatures)")
    if let bias { precondition(bias.count == outFeatures, "linear: bias \(bias.shape) for \(outFeatures) outputs") }
    let rows = x.count / inFeatures
    let result = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
    let out = result.pointer
    if let bias {
        // Seed every row with the bias and let sgemm add the product (beta = 1).
        for row in 0..<rows { (out + row * outFeatures).update(from: bias.pointer, count: outFeatures) }
    }
    gemm(
        transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
        a: x.pointer, lda: inFeatures, b: weight.pointer, ldb: inFeatures,
        beta: bias == nil ? 0 : 1, c: out, ldc: outFeatures)
    result.recordIfNeeded(bias.map { [x, weight, $0] } ?? [x, weight]) { _, outputGrad in
        let g = outputGrad.pointer
        if let dx = x.gradientBuffer() {
            gemm(
                transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                a: g, lda: outFeatures, b: weight.pointer, ldb: inFeatures, beta: 1, c: dx, ldc: inFeatures)
        }
        if let dWeight = weight.gradientBuffer() {
            gemm(
                transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                a: g, lda: outFeatures, b: x.pointer, ldb: inFeatures, beta: 1, c: dWeight, ldc: inFeatures)
        }
        if let bias, let dBias = bias.gradientBuffer() {
            for row in 0..<rows {
                let rowGrad = g + row * outFeatures
                for o in 0..<outFeatures { dBias[o] += rowGrad[o] }
            }
        }
    }
    return result
}

/// Matrix product over the last two axes: `a` is [..., M, K] (or [..., K, M] transposed), `b` is
/// [K, N] shared by every batch entry, or [..., K, N] with the same leading axes as `a`.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.size(-1) : a.size(-2)
    let k = transposeA ? a.size(-2) : a.size(-1)
    let kB = transposeB ? b.size(-1) : b.size(-2)
    let n = transposeB ? b.size(-2) : b.size(-1)
    precondition(k == kB, "matmul: inner sizes differ (\(a.shape) x \(b.shape))")
    let batchShape = Array(a.shape.dropLast(2))
    let sharedB = b.rank == 2
    precondition(sharedB || Array(b.shape.dropLast(2)) == batchShape, "matmul: batch axes differ (\(a.shape) x \(b.shape))")
    let batch = batchShape.reduce(1, *)
    let strideA = m * k, strideB = sharedB ? 0 : k * n, strideC = m * n
    let lda = a.size(-1), ldb = b.size(-1)
    let result = Tensor(uninitializedShape: batchShape + [m, n])
    if sharedB && !transposeA {
        // One big product: the batch folds into the rows.
        gemm(
            transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k,
            a: a.pointer, lda: lda, b: b.pointer, ldb: ldb, beta: 0, c: result.pointer, ldc: n)
    } else {
        for index in 0..<batch {
            gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                a: a.pointer + index * strideA, lda: lda, b: b.pointer + index * strideB, ldb: ldb,
                beta: 0, c: result.pointer + index * strideC, ldc: n)
        }
    }
    result.recordIfNeeded([a, b]) { _, outputGrad in
        let g = outputGrad.pointer
        for index in 0..<batch {
            let gradC = g + index * strideC
            if let da = a.gradientBuffer() {
                // dA = dC · op(B)ᵀ, stored as op(A) requires.
                if transposeA {
                    gemm(
                        transposeA: transposeB, transposeB: true, m: k, n: m, k: n,
                        a: b.pointer + index * strideB, lda: ldb, b: gradC, ldb: n, beta: 1, c: da + index * strideA, ldc: lda)
                } else {
                    gemm(
                        transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                        a: gradC, lda: n, b: b.pointer + index * strideB, ldb: ldb, beta: 1, c: da + index * strideA, ldc: lda)
                }
            }
            if let db = b.gradientBuffer() {
                // dB = op(A)ᵀ · dC, stored as op(B) requires (summed over the batch when shared).
                if transposeB {
                    gemm(
                        transposeA: true, transposeB: transposeA, m: n, n: k, k: m,
                        a: gradC, lda: n, b: a.pointer + index * strideA, ldb: lda, beta: 1, c: db + index * strideB, ldc: ldb)
                } else {
                    gemm(
                        transposeA: !transposeA, transposeB: false, m: k, n: n, k: m,
                        a: a.pointer + index * strideA, lda: lda, b: gradC, ldb: n, beta: 1, c: db + index * strideB, ldc: ldb)
                }
            }
        }
    }
    return result
}
