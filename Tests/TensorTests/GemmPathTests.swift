import Synchronization
import Tensor
import TestSupport
import XCTest

/// The products under every layer, through OpenBLAS's sgemm and oneDNN's (`GemmRouting`), against
/// float64: shapes beyond one kernel block in each dimension, every transpose, and the two ways
/// sgemm meets its output (overwritten, beta 0; added onto, beta 1, as gradients accumulate).
final class GemmPathTests: XCTestCase {
    private func float64Product(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool) -> [Double] {
        var result = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for l in 0..<k {
                let av = Double(transposeA ? a[l * m + i] : a[i * k + l])
                for j in 0..<n { result[i * n + j] += av * Double(transposeB ? b[j * k + l] : b[l * n + j]) }
            }
        }
        return result
    }

    func testProductsMatchFloat64OnEachPath() {
        let (m, k, n) = (67, 300, 130)
        forEachGemmPath { path in
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = randomTensor(transposeA ? [k, m] : [m, k], seed: 1)
                    let b = randomTensor(transposeB ? [n, k] : [k, n], seed: 2)
                    let product = matmul(a, b, transposeA: transposeA, transposeB: transposeB)
                    assertClose(
                        product.values,
                        float64Product(a.values, b.values, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB),
                        tolerance: 1e-4)
                    print("\(path.rawValue) transposeA \(transposeA) transposeB \(transposeB) checked")
                }
            }
        }
    }

    /// Forward overwrites memory that may hold anything, NaN included (a recycled block), and
    /// must not read it (beta 0); backward adds into the gradient (beta 1): `x` feeds two
    /// products, so its gradient is the sum of both.
    func testOverwritesAndAccumulatesOnEachPath() {
        let (rows, inFeatures, outFeatures) = (512, 64, 512)  // a 1 MB output: the block cache recycles it
        forEachGemmPath { path in
            let x = randomTensor([rows, inFeatures], seed: 3)
            x.requiresGrad = true
            let weight = randomTensor([outFeatures, inFeatures], seed: 4), other = randomTensor([outFeatures, inFeatures], seed: 5)
            do {
                let poisoned = Tensor(uninitializedShape: [rows, outFeatures])
                poisoned.pointer.update(repeating: .nan, count: poisoned.count)
            }
            let y = linear(x, weight: weight)
            XCTAssertFalse(y.values.contains { $0.isNaN }, "\(path.rawValue): beta 0 read the old output")
            assertClose(
                y.values,
                float64Product(x.values, weight.values, m: rows, k: inFeatures, n: outFeatures, transposeA: false, transposeB: true),
                tolerance: 1e-4)
            let direction = randomTensor([rows, outFeatures], seed: 6)
            (y * direction + linear(x, weight: other) * direction).sum().backward()
            let first = float64Product(
                direction.values, weight.values, m: rows, k: outFeatures, n: inFeatures, transposeA: false, transposeB: false)
            let second = float64Product(
                direction.values, other.values, m: rows, k: outFeatures, n: inFeatures, transposeA: false, transposeB: false)
            assertClose(x.grad!.values, zip(first, second).map { $0 + $1 }, tolerance: 1e-4)
        }
    }

    /// Products made at once from the threads of one of our parallel loops (as attention heads
    /// and Winograd's products are) give what they give one at a time, on each library.
    func testConcurrentProductsMatchSerialOnes() {
        forEachGemmPath { _ in
            let a = randomTensor([4, 160, 64], seed: 7), b = randomTensor([4, 160, 64], seed: 8)
            let serial = matmul(a, b, transposeB: true).values
            let results = Mutex([[Float]](repeating: [], count: 4))
            Parallel.forEach(4) { index in
                let product = matmul(
                    a.slice(axis: 0, start: index, length: 1), b.slice(axis: 0, start: index, length: 1), transposeB: true)
                results.withLock { $0[index] = product.values }
            }
            XCTAssertEqual(results.withLock { $0 }.flatMap { $0 }, serial)
        }
    }

    /// `auto` is oneDNN exactly where oneDNN runs AVX-512 kernels (measured there 1.5-4x faster).
    func testAutomaticPicksOneDNNOnlyWithAVX512() {
        XCTAssertEqual(GemmRouting.current, .automatic)
        XCTAssertEqual(GemmRouting.usesOneDNN, GemmRouting.oneDNNHasAVX512)
    }
}
