import Tensor
import TestSupport
import XCTest

final class MatmulTests: XCTestCase {
    /// Naive float64 product of row-major matrices.
    private func naiveProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool) -> [Double] {
        var result = Array(repeating: 0.0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for l in 0..<k {
                    let av = transposeA ? a[l * m + i] : a[i * k + l]
                    let bv = transposeB ? b[j * k + l] : b[l * n + j]
                    total += Double(av) * Double(bv)
                }
                result[i * n + j] = total
            }
        }
        return result
    }

    func testLinearMatchesNaiveAndDifferentiates() {
        let x = randomTensor([2, 3, 5], seed: 1)
        let w = randomTensor([4, 5], seed: 2)
        let b = randomTensor([4], seed: 3)
        let y = linear(x, weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 3, 4])
        var expected = naiveProduct(x.values, w.values, m: 6, k: 5, n: 4, transposeA: false, transposeB: true)
        for row in 0..<6 { for o in 0..<4 { expected[row * 4 + o] += Double(b.values[o]) } }
        assertClose(y.values, expected, tolerance: 1e-5)
        checkGradients([x, w, b]) { linear($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([x, w]) { linear($0[0], weight: $0[1]) }
    }

    func testMatmulAllTransposesBatchedAndShared() {
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let (m, k, n) = (3, 4, 5)
                let a = randomTensor(transposeA ? [2, k, m] : [2, m, k], seed: 4)
                let bBatched = randomTensor(transposeB ? [2, n, k] : [2, k, n], seed: 5)
                let bShared = randomTensor(transposeB ? [n, k] : [k, n], seed: 6)
                let batched = matmul(a, bBatched, transposeA: transposeA, transposeB: transposeB)
                let shared = matmul(a, bShared, transposeA: transposeA, transposeB: transposeB)
                XCTAssertEqual(batched.shape, [2, m, n])
                for index in 0..<2 {
                    let aValues = Array(a.values[index * m * k..<(index + 1) * m * k])
                    let bValues = Array(bBatched.values[index * k * n..<(index + 1) * k * n])
                    assertClose(
                        Array(batched.values[index * m * n..<(index + 1) * m * n]),
                        naiveProduct(aValues, bValues, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB), tolerance: 1e-5)
                    assertClose(
                        Array(shared.values[index * m * n..<(index + 1) * m * n]),
                        naiveProduct(aValues, bShared.values, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB),
                        tolerance: 1e-5)
                }
                checkGradients([a, bBatched]) { matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
                checkGradients([a, bShared]) { matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
            }
        }
    }

    /// A frozen weight gets no gradient buffer at all: the only gradient memory is for the
    /// input and the intermediate activation.
    func testFrozenWeightAllocatesNoGradient() {
        let x = randomTensor([4, 3], seed: 7)
        x.requiresGrad = true
        let frozen = randomTensor([1000, 3], seed: 8)
        XCTAssertFalse(frozen.needsGrad)
        let before = TapeStatistics.gradientFloatsAllocated
        linear(x, weight: frozen).sum().backward()
        let allocated = TapeStatistics.gradientFloatsAllocated - before
        XCTAssertNil(frozen.grad)
        XCTAssertNotNil(x.grad)
        // 4x1000 for the linear output's gradient + 4x3 for x; a weight gradient would add 3000.
        XCTAssertEqual(allocated, 4 * 1000 + 4 * 3)

        // A trainable weight in the same graph does get one, of its own size.
        let trainable = randomTensor([1000, 3], seed: 8)
        trainable.requiresGrad = true
        let beforeTrainable = TapeStatistics.gradientFloatsAllocated
        linear(x, weight: trainable).sum().backward()
        XCTAssertEqual(TapeStatistics.gradientFloatsAllocated - beforeTrainable, 4 * 1000 + 1000 * 3)
        XCTAssertNotNil(trainable.grad)
    }

    /// Nothing is recorded when nothing needs a gradient (inference through frozen CLIP).
    func testNoTapeWithoutTrainableInputs() {
        let y = linear(randomTensor([2, 3], seed: 9), weight: randomTensor([4, 3], seed: 10))
        XCTAssertFalse(y.needsGrad)
    }
}
