import Tensor
import TestSupport
import XCTest

/// Layer norm and attention: forward values against naive float64 implementations written
/// here from the definitions, and gradients against finite differences.
final class TransformerKernelTests: XCTestCase {
    func testLayerNormValuesAndGradients() {
        let x = randomTensor([3, 2, 7], seed: 1, -2, 3)
        let weight = randomTensor([7], seed: 2, 0.5, 1.5)
        let bias = randomTensor([7], seed: 3)
        let y = layerNorm(x, weight: weight, bias: bias).values
        let values = x.values.map(Double.init)
        var expected: [Double] = []
        for row in 0..<6 {
            let slice = Array(values[row * 7..<(row + 1) * 7])
            let mean = slice.reduce(0, +) / 7
            let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 7
            for c in 0..<7 {
                expected.append((slice[c] - mean) / (variance + 1e-5).squareRoot() * Double(weight.values[c]) + Double(bias.values[c]))
            }
        }
        assertClose(y, expected, tolerance: 2e-5)
        checkGradients([x, weight, bias]) { layerNorm($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([x]) { layerNorm($0[0], weight: nil, bias: nil) }
    }

    /// softmax(q kᵀ / sqrt(d) [+ causal mask]) v per head, in float64.
    private func naiveAttention(
        q: [Float], k: [Float], v: [Float], batch: Int, tq: Int, tk: Int, width: Int, heads: Int, causal: Bool,
        qStride: Int, kStride: Int, vStride: Int, qOffset: Int, kOffset: Int, vOffset: Int
    ) -> (out: [Double], probs: [Double]) {
        let d = width / heads
        var out = Array(repeating: 0.0, count: batch * tq * width)
        var probs = Array(repeating: 0.0, count: batch * heads * tq * tk)
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<tq {
                    var scores = Array(repeating: -Double.infinity, count: tk)
                    for j in 0..<tk where !causal || j <= i {
                        var dot = 0.0
                        for c in 0..<d {
                            dot +=
                                Double(q[(b * tq + i) * qStride + qOffset + h * d + c])
                                * Double(k[(b * tk + j) * kStride + kOffset + h * d + c])
                        }
                        scores[j] = dot / Double(d).squareRoot()
                    }
                    let maximum = scores.max()!
                    let e = scores.map { Foundation.exp($0 - maximum) }
                    let total = e.reduce(0, +)
                    for j in 0..<tk {
                        let p = e[j] / total
                        probs[((b * heads + h) * tq + i) * tk + j] = p
                        for c in 0..<d {
                            out[(b * tq + i) * width + h * d + c] += p * Double(v[(b * tk + j) * vStride + vOffset + h * d + c])
                        }
                    }
                }
            }
        }
        return (out, probs)
    }

    func testPackedAttentionMatchesNaive() {
        for causal in [false, true] {
            let (batch, length, width, heads) = (2, 5, 12, 3)
            let qkv = randomTensor([batch, length, 3 * width], seed: causal ? 4 : 5, -2, 2)
            let result = attention(packed: qkv, heads: heads, causal: causal)
            let v = qkv.values
            let reference = naiveAttention(
                q: v, k: v, v: v, batch: batch, tq: length, tk: length, width: width, heads: heads, causal: causal,
                qStride: 3 * width, kStride: 3 * width, vStride: 3 * width, qOffset: 0, kOffset: width, vOffset: 2 * width)
            assertClose(result.output.values, reference.out, tolerance: 1e-5, "output causal=\(causal)")
            assertClose(result.probabilities.values, reference.probs, tolerance: 1e-6, "probabilities causal=\(causal)")
            checkGradients([qkv]) { attention(packed: $0[0], heads: heads, causal: causal).output }
        }
    }

    /// One tensor as query, key and value (its gradient collects three contributions per head),
    /// and a packed input that also feeds other ops (attention then adds into its gradient).
    func testAttentionWithSharedInputs() {
        let (batch, length, width, heads) = (2, 7, 12, 3)
        let x = randomTensor([batch, length, width], seed: 9, -2, 2)
        checkGradients([x]) { attention(query: $0[0], key: $0[0], value: $0[0], heads: heads).output }
        let y = randomTensor([batch, length, width], seed: 10, -2, 2)
        checkGradients([x, y]) { attention(query: $0[0], key: $0[1], value: $0[0], heads: heads, causal: true).output }
        let qkv = randomTensor([batch, length, 3 * width], seed: 11, -2, 2)
        checkGradients([qkv]) { layerNorm($0[0], weight: nil, bias: nil) * 0.5 + $0[0] }
        checkGradients([qkv]) {
            let doubled = $0[0] * 2
            return attention(packed: doubled, heads: heads).output.sum() * quickGELU(doubled)
        }
        checkGradients([qkv]) { quickGELU($0[0]).sum() + attention(packed: $0[0], heads: heads).output }
    }

    func testSeparateAttentionWithOneQuery() {
        let (batch, keys, width, heads) = (2, 6, 8, 2)
        let query = randomTensor([batch, 1, width], seed: 6, -2, 2)
        let key = randomTensor([batch, keys, width], seed: 7, -2, 2)
        let value = randomTensor([batch, keys, width], seed: 8, -2, 2)
        let result = attention(query: query, key: key, value: value, heads: heads)
        let reference = naiveAttention(
            q: query.values, k: key.values, v: value.values, batch: batch, tq: 1, tk: keys, width: width, heads: heads,
            causal: false, qStride: width, kStride: width, vStride: width, qOffset: 0, kOffset: 0, vOffset: 0)
        assertClose(result.output.values, reference.out, tolerance: 1e-5)
        checkGradients([query, key, value]) { attention(query: $0[0], key: $0[1], value: $0[2], heads: heads).output }
    }
}
