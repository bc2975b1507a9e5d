@_spi(Testing) import Tensor
import TestSupport
import XCTest

/// The attention heads' small-matrix kernel against a naive float64 product: odd shapes around
/// its 5-row and 8/16-column tiles, every transpose, leading dimensions wider than the matrices
/// (what lies between must stay untouched), store and accumulate, and sizes past the OpenBLAS
/// hand-off.
final class SmallMatmulTests: XCTestCase {
    func testHeadProductMatchesNaiveFloat64() {
        var generator = SeededGenerator(seed: 11)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let shapes: [(m: Int, n: Int, k: Int)] = [
            (1, 1, 1), (1, 50, 64), (2, 3, 4), (5, 16, 7), (6, 17, 3), (7, 9, 0), (11, 8, 13), (13, 15, 64),
            (49, 50, 64), (50, 50, 64), (50, 64, 50), (51, 63, 65), (77, 64, 77), (128, 24, 128), (129, 20, 9), (30, 150, 12),
        ]
        var checked = 0
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for accumulate in [false, true] {
                        // Row-major operands with 3 spare columns (a leading dimension wider than the matrix).
                        let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
                        let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
                        let lda = aColumns + 3, ldb = bColumns + 3, ldc = n + 3
                        let a = values(max(1, aRows * lda)), b = values(max(1, bRows * ldb))
                        let original = values(m * ldc)
                        var c = original
                        let alpha: Float = accumulate ? 0.7 : 1.3
                        headProductForTesting(
                            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: &c, ldc: ldc)
                        var worst = 0.0
                        for i in 0..<m {
                            for j in 0..<ldc {
                                guard j < n else {
                                    XCTAssertEqual(c[i * ldc + j], original[i * ldc + j], "padding written m=\(m) n=\(n) k=\(k)")
                                    continue
                                }
                                var total = 0.0
                                for p in 0..<k {
                                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                                    total += Double(av) * Double(bv)
                                }
                                let expected = Double(alpha) * total + (accumulate ? Double(original[i * ldc + j]) : 0)
                                worst = max(worst, abs(Double(c[i * ldc + j]) - expected))
                            }
                        }
                        XCTAssertLessThan(
                            worst, 1e-5 * Double(max(k, 1)).squareRoot() + 1e-6,
                            "m=\(m) n=\(n) k=\(k) transposeA=\(transposeA) transposeB=\(transposeB) accumulate=\(accumulate)")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, shapes.count * 8)
    }

    /// A fresh (uninitialised) destination is stored into: NaNs already there must not leak.
    func testStoreIgnoresWhatWasThere() {
        let (m, n, k) = (7, 11, 5)
        let a = (0..<(m * k)).map { Float($0 % 5) - 2 }, b = (0..<(k * n)).map { Float($0 % 7) - 3 }
        var c = [Float](repeating: .nan, count: m * n)
        headProductForTesting(
            transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1,
            a: a, lda: k, b: b, ldb: n, accumulate: false, c: &c, ldc: n)
        XCTAssertFalse(c.contains { $0.isNaN })
    }
}
