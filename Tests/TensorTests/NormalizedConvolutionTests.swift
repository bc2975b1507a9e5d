@_spi(Testing) import Tensor
import TestSupport
import XCTest

/// `normalizedConvolutions` (a CLIP ResNet's fused layers) against the unfused ops it replaces,
/// `conv2d` → `batchNormInference` → `+` → `relu`: the same values and input gradients, bit for
/// bit, on both convolution paths and in bf16; and its backward against finite differences.
/// Shapes are RN101's kinds: the 3-channel strided stem, a 3x3 on enough tiles for Winograd, 1x1
/// layers with a residual, and the down-sampling block's two convolutions summed.
final class NormalizedConvolutionTests: XCTestCase {
    /// One term's input shape and convolution.
    private struct Term {
        let input: [Int]
        let outChannels: Int
        let kernel: Int
        var stride = 1
    }

    private struct Case {
        let name: String
        let terms: [Term]
        var residual = false
        var relu = true
    }

    private let cases = [
        Case(name: "stem 3x3 stride 2", terms: [Term(input: [2, 3, 17, 17], outChannels: 16, kernel: 3, stride: 2)]),
        Case(name: "3x3 on 245 tiles", terms: [Term(input: [5, 16, 14, 14], outChannels: 16, kernel: 3)]),
        Case(name: "3x3 on one image", terms: [Term(input: [1, 24, 7, 7], outChannels: 20, kernel: 3)]),
        Case(name: "1x1 with residual", terms: [Term(input: [1, 32, 8, 8], outChannels: 16, kernel: 1)], residual: true),
        Case(
            name: "expansion plus projection",
            terms: [Term(input: [2, 8, 6, 6], outChannels: 32, kernel: 1), Term(input: [2, 16, 6, 6], outChannels: 32, kernel: 1)]),
        Case(name: "no ReLU", terms: [Term(input: [3, 8, 5, 5], outChannels: 12, kernel: 3)], residual: true, relu: false),
    ]

    /// Random inputs (each needing a gradient when `gradients`), layers and residual for `testCase`.
    private func make(_ testCase: Case, seed: UInt64, arithmetic: ConvolutionArithmetic = .fp32)
        -> (inputs: [Tensor], layers: [FrozenNormalizedConvolution], norms: [[Tensor]], residual: Tensor?)
    {
        var inputs: [Tensor] = [], layers: [FrozenNormalizedConvolution] = [], norms: [[Tensor]] = []
        for (index, term) in testCase.terms.enumerated() {
            let s = seed + UInt64(index) * 10
            inputs.append(randomTensor(term.input, seed: s))
            let weight = randomTensor([term.outChannels, term.input[1], term.kernel, term.kernel], seed: s + 1, -0.4, 0.4)
            let norm = [
                randomTensor([term.outChannels], seed: s + 2, -0.3, 0.3),  // mean
                randomTensor([term.outChannels], seed: s + 3, 0.2, 2),  // variance
                randomTensor([term.outChannels], seed: s + 4, 0.5, 1.5),  // gamma
                randomTensor([term.outChannels], seed: s + 5, -0.5, 0.5),  // beta
            ]
            let layer = FrozenNormalizedConvolution(
                weight: FrozenConvolutionWeight(weight), mean: norm[0], variance: norm[1], gamma: norm[2], beta: norm[3],
                stride: term.stride, padding: term.kernel / 2)
            layer.arithmetic = arithmetic
            layers.append(layer)
            norms.append(norm)
        }
        let first = testCase.terms[0]
        let outSize = (first.input[2] + 2 * (first.kernel / 2) - first.kernel) / first.stride + 1
        let residual =
            testCase.residual ? randomTensor([first.input[0], first.outChannels, outSize, outSize], seed: seed + 99) : nil
        return (inputs, layers, norms, residual)
    }

    private func fused(_ testCase: Case, _ inputs: [Tensor], _ layers: [FrozenNormalizedConvolution], _ residual: Tensor?) -> Tensor {
        normalizedConvolutions(Array(zip(inputs, layers)), adding: residual, relu: testCase.relu)
    }

    /// The same layer from the unfused ops.
    private func unfused(
        _ testCase: Case, _ inputs: [Tensor], _ layers: [FrozenNormalizedConvolution], _ norms: [[Tensor]], _ residual: Tensor?
    ) -> Tensor {
        var sum: Tensor?
        for (index, (input, layer)) in zip(inputs, layers).enumerated() {
            let convolved =
                layer.arithmetic == .bf16
                ? conv2dBFloat16(input, frozenWeight: layer.weight, stride: layer.stride, padding: layer.padding)
                : conv2d(input, weight: layer.weight.weight, stride: layer.stride, padding: layer.padding)
            let norm = norms[index]
            let normalized = batchNormInference(convolved, mean: norm[0], variance: norm[1], weight: norm[2], bias: norm[3])
            sum = sum.map { $0 + normalized } ?? normalized
        }
        if let residual { sum = sum! + residual }
        return testCase.relu ? relu(sum!) : sum!
    }

    /// Output and every input's gradient (inputs, then the residual) under a random weighting.
    private func run(_ inputs: [Tensor], _ residual: Tensor?, _ layer: () -> Tensor) -> (output: [Float], gradients: [[Float]]) {
        let leaves = inputs + (residual.map { [$0] } ?? [])
        for leaf in leaves {
            leaf.zeroGrad()
            leaf.requiresGrad = true
        }
        defer { for leaf in leaves { leaf.requiresGrad = false } }
        let output = layer()
        (output * randomTensor(output.shape, seed: 7)).sum().backward()
        return (output.values, leaves.map { $0.grad!.values })
    }

    private func assertSameAsUnfused(arithmetic: ConvolutionArithmetic, seed: UInt64) {
        for testCase in cases {
            let (inputs, layers, norms, residual) = make(testCase, seed: seed, arithmetic: arithmetic)
            let fusedRun = run(inputs, residual) { fused(testCase, inputs, layers, residual) }
            let unfusedRun = run(inputs, residual) { unfused(testCase, inputs, layers, norms, residual) }
            XCTAssertEqual(fusedRun.output, unfusedRun.output, "\(testCase.name): output")
            XCTAssertTrue(
                fusedRun.output.contains { $0 > 0 } && fusedRun.output.contains { $0 <= 0 }, "\(testCase.name): both sides of the ReLU")
            for (index, (fusedGradient, unfusedGradient)) in zip(fusedRun.gradients, unfusedRun.gradients).enumerated() {
                XCTAssertEqual(fusedGradient, unfusedGradient, "\(testCase.name): gradient of input \(index)")
                XCTAssertTrue(fusedGradient.contains { $0 != 0 }, "\(testCase.name): gradient of input \(index) is not all zero")
            }
            // Without a gradient to follow (a target photo's features), the same values and no tape.
            let constant = fused(testCase, inputs, layers, residual)
            XCTAssertFalse(constant.needsGrad)
            XCTAssertEqual(constant.values, unfused(testCase, inputs, layers, norms, residual).values, "\(testCase.name): constant")
        }
    }

    func testEqualsUnfusedOpsOnEachConvolutionPath() {
        forEachConvolutionPath { _ in assertSameAsUnfused(arithmetic: .fp32, seed: 100) }
    }

    func testEqualsUnfusedOpsInBFloat16() throws {
        try XCTSkipUnless(ReducedPrecisionRuntime.hasNativeBFloat16, "this CPU has no bf16 instructions")
        assertSameAsUnfused(arithmetic: .bf16, seed: 200)
    }

    func testGradientsMatchFiniteDifferences() {
        for testCase in cases {
            let (inputs, layers, _, residual) = make(testCase, seed: 300)
            let leaves = inputs + (residual.map { [$0] } ?? [])
            checkGradients(leaves, tolerance: 1e-2, step: 1e-3) { leaves in
                let residual = testCase.residual ? leaves.last : nil
                return normalizedConvolutions(
                    Array(zip(leaves.prefix(testCase.terms.count), layers)), adding: residual, relu: testCase.relu)
            }
        }
    }

    /// A NaN in the input stays NaN through the ReLU (as `relu`'s `max(x, 0)` keeps it), so a
    /// broken input is caught downstream instead of silently zeroed.
    func testNaNPassesTheReLU() {
        let testCase = cases[1]
        let (inputs, layers, _, _) = make(testCase, seed: 500)
        inputs[0].pointer[3 * 14 + 3] = .nan
        let output = fused(testCase, inputs, layers, nil)
        for channel in 0..<16 { XCTAssertTrue(output.pointer[(channel * 14 + 3) * 14 + 3].isNaN, "channel \(channel)") }
    }

    /// The tape keeps the output alone: the convolutions' and norms' intermediate results are
    /// freed as soon as the op returns (the point of fusing, see NormalizedConvolution.swift).
    func testKeepsOnlyTheOutput() {
        let testCase = cases[4]
        let (inputs, layers, _, _) = make(testCase, seed: 400)
        for input in inputs { input.requiresGrad = true }
        let live = Storage.liveFloats
        let output = fused(testCase, inputs, layers, nil)
        XCTAssertEqual(Storage.liveFloats - live, output.count, "floats held after the op, beyond its output")
    }
}
