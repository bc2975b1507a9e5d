import Tensor
import TestSupport
import XCTest

final class ElementwiseGradientTests: XCTestCase {
    func testBroadcastArithmetic() {
        let shapes: [([Int], [Int])] = [
            ([3, 4, 5], [3, 4, 5]), ([3, 4, 5], [4, 1]), ([3, 4, 5], [5]), ([2, 1, 3], [4, 1]), ([1], [3, 2]), ([3, 1], [1, 7]),
        ]
        for (index, (shapeA, shapeB)) in shapes.enumerated() {
            let a = randomTensor(shapeA, seed: UInt64(index))
            let b = randomTensor(shapeB, seed: UInt64(100 + index), 0.5, 2)
            checkGradients([a, b]) { $0[0] + $0[1] }
            checkGradients([a, b]) { $0[0] - $0[1] }
            checkGradients([a, b]) { $0[0] * $0[1] }
            checkGradients([a, b]) { $0[0] / $0[1] }
        }
    }

    /// Backward kernels store into a fresh gradient buffer and add into an existing one; a tensor
    /// used twice (by one op or by several) exercises both.
    func testGradientOfATensorUsedTwice() {
        let x = randomTensor([3, 4, 5], seed: 40, 0.5, 2)
        let row = randomTensor([5], seed: 41, 0.5, 2)
        checkGradients([x]) { $0[0] + $0[0] }
        checkGradients([x]) { $0[0] - $0[0] * 0.5 }
        checkGradients([x]) { $0[0] * $0[0] }
        checkGradients([x]) { $0[0] / ($0[0] + 1) }
        checkGradients([x]) { quickGELU($0[0]) * $0[0] + 2 * $0[0] }
        checkGradients([x, row]) { ($0[0] * $0[1] - $0[1]) + $0[0].sum() * $0[0] }
    }

    func testBroadcastForwardValues() {
        let a = Tensor(shape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [2, 1], values: [10, 20])
        // Result [2, 2, 3]: a[i, 0, k] + b[j, 0].
        XCTAssertEqual((a + b).shape, [2, 2, 3])
        XCTAssertEqual((a + b).values, [11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26])
    }

    func testScalarArithmetic() {
        let x = randomTensor([4, 3], seed: 1)
        checkGradients([x]) { 3 * $0[0] + 2 }
        checkGradients([x]) { 1 - $0[0] / 4 }
        checkGradients([x]) { -$0[0] }
    }

    func testActivations() {
        let x = randomTensor([5, 7], seed: 2, -3, 3)
        checkGradients([x]) { sigmoid($0[0]) }
        checkGradients([x]) { tanh($0[0]) }
        checkGradients([x]) { gelu($0[0]) }
        checkGradients([x]) { quickGELU($0[0]) }
        checkGradients([x]) { exp($0[0]) }
        checkGradients([x]) { square($0[0]) }
        // Kinked functions: keep inputs away from the kink.
        let awayFromZero = Tensor(shape: [6], values: [-2, -1, -0.5, 0.5, 1, 2])
        checkGradients([awayFromZero]) { relu($0[0]) }
        checkGradients([awayFromZero]) { abs($0[0]) }
        checkGradients([awayFromZero]) { clamp($0[0], -1.5, 0.7) }
        let positive = randomTensor([5, 7], seed: 3, 0.5, 3)
        checkGradients([positive]) { log($0[0]) }
        checkGradients([positive]) { sqrt($0[0]) }
    }

    /// The fast exp/erf approximations against libm over the range that matters.
    func testActivationValuesAgainstLibm() {
        let inputs = stride(from: -20.0, through: 20.0, by: 0.037).map { Float($0) }
        let x = Tensor(shape: [inputs.count], values: inputs)
        let expValues = exp(x).values
        for (input, value) in zip(inputs, expValues) {
            let reference = Foundation.exp(Double(input))
            XCTAssertLessThan(abs(Double(value) - reference) / reference, 4e-7, "exp(\(input))")
        }
        let geluValues = gelu(x).values
        let quickValues = quickGELU(x).values
        let tanhValues = tanh(x).values
        for (index, input) in inputs.enumerated() {
            let d = Double(input)
            XCTAssertEqual(Double(geluValues[index]), 0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot())), accuracy: 3e-6 * max(1, abs(d)))
            XCTAssertEqual(Double(quickValues[index]), d / (1 + Foundation.exp(-1.702 * d)), accuracy: 2e-6 * max(1, abs(d)))
            XCTAssertEqual(Double(tanhValues[index]), Foundation.tanh(d), accuracy: 2e-7)
        }
    }

    func testReductions() {
        let x = randomTensor([3, 4, 5], seed: 4)
        checkGradients([x]) { $0[0].sum() }
        checkGradients([x]) { $0[0].mean() }
        checkGradients([x]) { $0[0].sum(axes: [1]) }
        checkGradients([x]) { $0[0].sum(axes: [0, 2], keepDims: true) }
        checkGradients([x]) { $0[0].mean(axes: [-1]) }
        let summed = x.sum(axes: [0, 2]).values
        let values = x.values
        for j in 0..<4 {
            var expected = 0.0
            for i in 0..<3 { for k in 0..<5 { expected += Double(values[i * 20 + j * 5 + k]) } }
            XCTAssertEqual(Double(summed[j]), expected, accuracy: 1e-5)
        }
    }

    func testSoftmaxAgainstNaiveFloat64() {
        let x = randomTensor([4, 9], seed: 5, -6, 6)
        checkGradients([x]) { softmax($0[0]) }
        checkGradients([x]) { logSoftmax($0[0]) }
        let values = x.values.map(Double.init)
        var expected: [Double] = []
        var expectedLog: [Double] = []
        for row in 0..<4 {
            let slice = Array(values[row * 9..<(row + 1) * 9])
            let total = slice.map { Foundation.exp($0) }.reduce(0, +)
            expected += slice.map { Foundation.exp($0) / total }
            expectedLog += slice.map { $0 - Foundation.log(total) }
        }
        assertClose(softmax(x).values, expected, tolerance: 1e-6)
        assertClose(logSoftmax(x).values, expectedLog, tolerance: 1e-5)
    }

    func testSimilarityAndLosses() {
        let a = randomTensor([3, 8], seed: 6)
        let b = randomTensor([3, 8], seed: 7)
        let single = randomTensor([1, 8], seed: 8)
        checkGradients([a]) { l2Normalize($0[0]) }
        checkGradients([a, b]) { cosineSimilarity($0[0], $0[1]) }
        checkGradients([a, single]) { cosineSimilarity($0[0], $0[1]) }
        checkGradients([a, b]) { meanSquaredError($0[0], $0[1]) }
        let cosine = cosineSimilarity(a, b).values
        let va = a.values.map(Double.init), vb = b.values.map(Double.init)
        for row in 0..<3 {
            let ra = va[row * 8..<(row + 1) * 8], rb = vb[row * 8..<(row + 1) * 8]
            let dot = zip(ra, rb).map(*).reduce(0, +)
            let norms = (ra.map { $0 * $0 }.reduce(0, +) * rb.map { $0 * $0 }.reduce(0, +)).squareRoot()
            XCTAssertEqual(Double(cosine[row]), dot / norms, accuracy: 1e-6)
        }
    }
}
