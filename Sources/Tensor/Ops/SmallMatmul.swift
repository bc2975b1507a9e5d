// Matrix products of one attention head: tens of rows and columns, called six times per
// (batch, head) pair in a forward + backward pass (96 pairs per ViT-B/32 block at batch 8).
//
// At 50 x 64 x 50, OpenBLAS spends about as long packing both operands, zeroing C for beta = 0
// and dispatching as it does multiplying; this register-blocked kernel packs only B (a few KB,
// so it stays in L1) and reads A in place through strides, which also makes Aᵀ free. Measured
// on the 2-core AVX2 machine, 96 products of 50 x 64 x 50: OpenBLAS 530–620 µs, this 380–520 µs.
// From a few hundred rows on OpenBLAS's cache blocking wins, so larger products go to sgemm.

/// Products with a dimension above this go to OpenBLAS (ViT-B/16's 197 tokens is about even;
/// ViT-L/14@336's 577 tokens favours OpenBLAS by 10–15%).
let smallProductLimit = 128

/// Floats of scratch `headProduct` needs for an `n`-column result with inner size `k`.
func headProductScratchCount(n: Int, k: Int) -> Int { k * paddedWidth(n) }

/// C (= or +=) alpha · op(A) · op(B), row-major with leading dimensions: op(A) is [m, k] (A is
/// [k, m] when `transposeA`), op(B) is [k, n] (B is [n, k] when `transposeB`). `accumulate: false`
/// stores into C, which may then be uninitialised (a fresh gradient buffer). `scratch` holds
/// `headProductScratchCount(n:k:)` floats.
func headProduct(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutablePointer<Float>
) {
    guard m > 0, n > 0 else { return }
    if max(m, n, k) > smallProductLimit {
        // A head's product runs inside the attention's loop over heads, whose threads take the
        // cores.
        gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: accumulate ? 1 : 0, c: c, ldc: ldc, onOneThread: true)
        return
    }
    let width = paddedWidth(n)
    if transposeB {
        packTransposed(b, ldb, rows: n, columns: k, into: scratch, width: width)
    } else {
        packRows(b, ldb, rows: k, columns: n, into: scratch, width: width)
    }
    smallGemm(
        m: m, n: n, k: k, alpha: alpha,
        a: a, aRowStride: transposeA ? 1 : lda, aColumnStride: transposeA ? lda : 1,
        packedB: scratch, bStride: width, accumulate: accumulate, c: c, ldc: ldc)
}

/// Columns the kernel reads for an `n`-column result: 16-wide tiles, the last one 8 wide when
/// at most 8 columns remain.
@inline(__always)
func paddedWidth(_ n: Int) -> Int {
    let remainder = n % 16
    return remainder == 0 ? n : n - remainder + (remainder <= 8 ? 8 : 16)
}

/// Rows `0..<rows` of a [rows, columns] matrix into `destination` with row stride `width`; the
/// padding columns are zeroed (they feed result lanes that are never stored, but must not hold
/// NaNs or denormals).
@inline(__always)
private func packRows(
    _ source: UnsafePointer<Float>, _ stride: Int, rows: Int, columns: Int,
    into destination: UnsafeMutablePointer<Float>, width: Int
) {
    for row in 0..<rows {
        let from = source + row * stride, target = destination + row * width
        // 8 floats at a time: a memmove call per 64-float row cost a fifth of the packing.
        var column = 0
        while column + 8 <= columns {
            UnsafeMutableRawPointer(target + column).storeBytes(
                of: UnsafeRawPointer(from + column).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            column += 8
        }
        while column < columns {
            target[column] = from[column]
            column += 1
        }
        while column < width {
            target[column] = 0
            column += 1
        }
    }
}

/// The transpose of a [rows, columns] matrix: destination[p * width + j] = source[j * stride + p],
/// padding columns zeroed. 8 x 8 blocks go through registers (three perfect-shuffle rounds); a
/// scalar transpose cost a fifth of the product it feeds.
@inline(__always)
private func packTransposed(
    _ source: UnsafePointer<Float>, _ stride: Int, rows: Int, columns: Int,
    into destination: UnsafeMutablePointer<Float>, width: Int
) {
    var j = 0
    while j + 8 <= rows {
        var p = 0
        while p + 8 <= columns {
            @inline(__always) func load(_ r: Int) -> SIMD8<Float> {
                UnsafeRawPointer(source + (j + r) * stride + p).loadUnaligned(as: SIMD8<Float>.self)
            }
            var (r0, r1, r2, r3, r4, r5, r6, r7) = (load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7))
            // Each round takes the even then the odd lanes of consecutive rows; three rounds of
            // this perfect shuffle transpose an 8 x 8 block.
            for _ in 0..<3 {
                (r0, r1, r2, r3, r4, r5, r6, r7) = (
                    SIMD8(lowHalf: r0.evenHalf, highHalf: r1.evenHalf), SIMD8(lowHalf: r2.evenHalf, highHalf: r3.evenHalf),
                    SIMD8(lowHalf: r4.evenHalf, highHalf: r5.evenHalf), SIMD8(lowHalf: r6.evenHalf, highHalf: r7.evenHalf),
                    SIMD8(lowHalf: r0.oddHalf, highHalf: r1.oddHalf), SIMD8(lowHalf: r2.oddHalf, highHalf: r3.oddHalf),
                    SIMD8(lowHalf: r4.oddHalf, highHalf: r5.oddHalf), SIMD8(lowHalf: r6.oddHalf, highHalf: r7.oddHalf)
                )
            }
            @inline(__always) func store(_ values: SIMD8<Float>, _ r: Int) {
                UnsafeMutableRawPointer(destination + (p + r) * width + j).storeBytes(of: values, as: SIMD8<Float>.self)
            }
            store(r0, 0); store(r1, 1); store(r2, 2); store(r3, 3)
            store(r4, 4); store(r5, 5); store(r6, 6); store(r7, 7)
            p += 8
        }
        for q in p..<columns {
            for r in j..<(j + 8) { destination[q * width + r] = source[r * stride + q] }
        }
        j += 8
    }
    for r in j..<rows {
        for q in 0..<columns { destination[q * width + r] = source[r * stride + q] }
    }
    if width > rows {
        for q in 0..<columns { (destination + q * width + rows).update(repeating: 0, count: width - rows) }
    }
}

/// C (= or +=) alpha · A · B with A's element (i, p) at `a[i * aRowStride + p * aColumnStride]`
/// and B packed [k, bStride] (at least `paddedWidth(n)` readable columns).
///
/// Tiles of 5 rows x 16 columns: each step over p loads one 16-wide row of B and reuses it for
/// five broadcast A values, 10 of the 16 AVX registers holding accumulators (50 tokens = 10
/// tiles of 5 rows exactly). A last partial tile repeats the last row of A instead of reading past
/// it, and stores only its valid rows and columns.
@inline(__always)
func smallGemm(
    m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
    packedB b: UnsafePointer<Float>, bStride: Int,
    accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    var row = 0
    while row < m {
        var column = 0
        while n - column > 8 {
            productTile(
                SIMD16<Float>.self, row: row, column: column, m: m, n: n, k: k, alpha: alpha,
                a: a, aRowStride: aRowStride, aColumnStride: aColumnStride, b: b, bStride: bStride,
                accumulate: accumulate, c: c, ldc: ldc)
            column += 16
        }
        if column < n {
            productTile(
                SIMD8<Float>.self, row: row, column: column, m: m, n: n, k: k, alpha: alpha,
                a: a, aRowStride: aRowStride, aColumnStride: aColumnStride, b: b, bStride: bStride,
                accumulate: accumulate, c: c, ldc: ldc)
        }
        row += 5
    }
}

@inline(__always)
private func productTile<Vector: SIMD>(
    _: Vector.Type, row: Int, column: Int, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, aRowStride: Int, aColumnStride: Int,
    b: UnsafePointer<Float>, bStride: Int,
    accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int
) where Vector.Scalar == Float {
    let a0 = a + row * aRowStride
    let a1 = a + min(row + 1, m - 1) * aRowStride
    let a2 = a + min(row + 2, m - 1) * aRowStride
    let a3 = a + min(row + 3, m - 1) * aRowStride
    let a4 = a + min(row + 4, m - 1) * aRowStride
    var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector()
    var bRow = b + column
    var offset = 0
    for _ in 0..<k {
        let bValues = UnsafeRawPointer(bRow).loadUnaligned(as: Vector.self)
        c0 = c0.addingProduct(Vector(repeating: a0[offset]), bValues)
        c1 = c1.addingProduct(Vector(repeating: a1[offset]), bValues)
        c2 = c2.addingProduct(Vector(repeating: a2[offset]), bValues)
        c3 = c3.addingProduct(Vector(repeating: a3[offset]), bValues)
        c4 = c4.addingProduct(Vector(repeating: a4[offset]), bValues)
        bRow += bStride
        offset += aColumnStride
    }
    let rows = min(5, m - row), columns = min(Vector.scalarCount, n - column)
    let out = c + row * ldc + column
    let scale = Vector(repeating: alpha)
    storeTileRow(c0 * scale, out, columns, accumulate)
    if rows > 1 { storeTileRow(c1 * scale, out + ldc, columns, accumulate) }
    if rows > 2 { storeTileRow(c2 * scale, out + 2 * ldc, columns, accumulate) }
    if rows > 3 { storeTileRow(c3 * scale, out + 3 * ldc, columns, accumulate) }
    if rows > 4 { storeTileRow(c4 * scale, out + 4 * ldc, columns, accumulate) }
}

@inline(__always)
private func storeTileRow<Vector: SIMD>(
    _ values: Vector, _ out: UnsafeMutablePointer<Float>, _ columns: Int, _ accumulate: Bool
) where Vector.Scalar == Float {
    if columns == Vector.scalarCount {
        let raw = UnsafeMutableRawPointer(out)
        let stored = accumulate ? raw.loadUnaligned(as: Vector.self) + values : values
        raw.storeBytes(of: stored, as: Vector.self)
    } else {
        for j in 0..<columns { out[j] = accumulate ? out[j] + values[j] : values[j] }
    }
}

/// `headProduct` on arrays, for tests (`@_spi(Testing) import Tensor`): every shape, transpose,
/// leading dimension and store/accumulate mode can be checked against a naive product.
@_spi(Testing)
public func headProductForTesting(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: [Float], lda: Int, b: [Float], ldb: Int, accumulate: Bool, c: inout [Float], ldc: Int
) {
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, headProductScratchCount(n: n, k: k)))
    defer { scratch.deallocate() }
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                headProduct(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                    accumulate: accumulate, c: c.baseAddress!, ldc: ldc, scratch: scratch)
            }
        }
    }
}
