import Tensor
import TestSupport
import XCTest

/// Every image kernel's backward against finite differences, for each input that has one, on
/// small odd shapes that exercise padding, strides and partial windows; convolutions through both
/// our path and oneDNN's.
final class ImageKernelGradientTests: XCTestCase {
    func testConv2dGradients() {
        forEachConvolutionPath { _ in conv2dGradients() }
    }

    private func conv2dGradients() {
        let x = randomTensor([2, 3, 7, 5], seed: 1)
        for (kernel, stride, padding) in [
            (3, 1, 1), (3, 2, 1), (3, 1, 0), (3, 2, 0), (4, 1, 0), (4, 2, 1), (1, 1, 0), (1, 2, 0), (1, 1, 1),
        ] {
            let weight = randomTensor([4, 3, kernel, kernel], seed: UInt64(10 + kernel), -0.5, 0.5)
            let bias = randomTensor([4], seed: 3)
            checkGradients([x, weight, bias]) { conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding) }
            // Input gradient through a frozen weight (CLIP), and weight gradient of a constant image.
            checkGradients([x]) { conv2d($0[0], weight: weight, stride: stride, padding: padding) }
            checkGradients([weight]) { conv2d(x, weight: $0[0], stride: stride, padding: padding) }
        }
        let weight = randomTensor([4, 3, 3, 2], seed: 4, -0.5, 0.5)
        checkGradients([x, weight]) { conv2d($0[0], weight: $0[1], stride: (2, 1), padding: (0, 1)) }
    }

    /// Planes large enough for one image per column matrix (and 1x1 straight into sgemm), small
    /// enough to group images (with a partial last group), and enough channels to be unfolded in
    /// several blocks, alone and grouped.
    func testConv2dGradientsAcrossImageGroupsAndChannelBlocks() {
        forEachConvolutionPath { _ in conv2dGradientsAcrossImageGroupsAndChannelBlocks() }
    }

    private func conv2dGradientsAcrossImageGroupsAndChannelBlocks() {
        let shapes: [([Int], Int, Int)] = [
            ([2, 3, 14, 14], 3, 1), ([2, 3, 14, 14], 1, 0), ([9, 2, 6, 6], 3, 1), ([9, 2, 6, 6], 1, 0),
            ([1, 90, 48, 48], 3, 1), ([9, 300, 6, 6], 3, 1),
        ]
        for (shape, kernel, padding) in shapes {
            let x = randomTensor(shape, seed: 5)
            let weight = randomTensor([3, shape[1], kernel, kernel], seed: 6, -0.5, 0.5)
            let bias = randomTensor([3], seed: 7)
            // Fewer probes on the large inputs keep this quick; they still span every block.
            let probes = x.count > 50_000 ? 16 : 64
            checkGradients([x, weight, bias], maxProbes: probes) { conv2d($0[0], weight: $0[1], bias: $0[2], padding: padding) }
            checkGradients([x], maxProbes: probes) { conv2d($0[0], weight: weight, padding: padding) }
        }
    }

    /// A frozen convolution weight gets no gradient buffer: only the output's and the input's.
    func testConv2dFrozenWeightAllocatesNoGradient() {
        forEachConvolutionPath { _ in conv2dFrozenWeightAllocatesNoGradient() }
    }

    private func conv2dFrozenWeightAllocatesNoGradient() {
        let x = randomTensor([2, 3, 7, 5], seed: 8)
        x.requiresGrad = true
        let frozen = randomTensor([4, 3, 3, 3], seed: 9)
        let bias = randomTensor([4], seed: 10)
        let before = TapeStatistics.gradientFloatsAllocated
        conv2d(x, weight: frozen, bias: bias, padding: 1).sum().backward()
        XCTAssertNil(frozen.grad)
        XCTAssertNil(bias.grad)
        XCTAssertNotNil(x.grad)
        XCTAssertEqual(TapeStatistics.gradientFloatsAllocated - before, 2 * 4 * 7 * 5 + 2 * 3 * 7 * 5)
    }

    func testNormalizationGradients() {
        let x = randomTensor([2, 3, 7, 5], seed: 11, -2, 3)
        let weight = randomTensor([3], seed: 12, 0.5, 1.5)
        let bias = randomTensor([3], seed: 13)
        let mean = randomTensor([3], seed: 14, -0.5, 0.5)
        let variance = randomTensor([3], seed: 15, 0.5, 2)
        checkGradients([x, weight, bias]) { batchNormInference($0[0], mean: mean, variance: variance, weight: $0[1], bias: $0[2]) }
        checkGradients([x]) { batchNormInference($0[0], mean: mean, variance: variance, weight: nil, bias: nil) }
        checkGradients([x, weight, bias]) { instanceNorm($0[0], weight: $0[1], bias: $0[2]) }
        checkGradients([x]) { instanceNorm($0[0], weight: nil, bias: nil) }
    }

    func testPoolingGradients() {
        let x = randomTensor([2, 3, 7, 5], seed: 16)
        for (kernel, stride, padding) in [(2, 2, 0), (3, 2, 1), (3, 1, 1), (4, 3, 2)] {
            checkGradients([x]) { avgPool2d($0[0], kernel: kernel, stride: stride, padding: padding) }
        }
        // Distinct values 0.05 apart: a finite-difference step of 0.01 never changes a winner.
        var generator = SeededGenerator(seed: 17)
        let distinct = Tensor(shape: [2, 3, 7, 5], values: (0..<210).map { Float($0) * 0.05 }.shuffled(using: &generator))
        for (kernel, stride, padding) in [(2, 2, 0), (3, 2, 1), (3, 1, 1), (4, 3, 2)] {
            checkGradients([distinct]) { maxPool2d($0[0], kernel: kernel, stride: stride, padding: padding) }
        }
        for size in [(3, 2), (4, 3), (10, 7)] {
            checkGradients([x]) { adaptiveAvgPool2d($0[0], outputSize: size) }
        }
        checkGradients([x]) { globalAvgPool2d($0[0]) }
    }

    func testResizeGradients() {
        let x = randomTensor([2, 3, 7, 5], seed: 18)
        for (height, width) in [(13, 11), (4, 3), (3, 9)] {
            checkGradients([x]) { resize($0[0], height: height, width: width, mode: .nearest) }
            for mode in [ResizeMode.bilinear, .bicubic] {
                for alignCorners in [false, true] {
                    checkGradients([x]) { resize($0[0], height: height, width: width, mode: mode, alignCorners: alignCorners) }
                }
            }
        }
    }

    /// Sample points whose pixel coordinates sit at least 0.2 pixel from any integer, where the
    /// bilinear slope (and the border clamp) has its kinks; some lie outside the image.
    private func gridAwayFromKinks(_ shape: [Int], height: Int, width: Int, alignCorners: Bool, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = []
        for _ in 0..<(shape[0] * shape[1] * shape[2]) {
            for size in [width, height] {
                let pixel = Float(generator.nextInt(below: size + 2) - 1) + generator.nextUniform(0.2, 0.8)
                let scale = alignCorners ? Float(size - 1) / 2 : Float(size) / 2
                values.append((pixel + (alignCorners ? 0 : 0.5)) / scale - 1)
            }
        }
        return Tensor(shape: shape + [2], values: values)
    }

    func testGridSampleGradients() {
        let x = randomTensor([2, 3, 7, 5], seed: 19)
        for padding in [GridSamplePadding.zeros, .border] {
            for alignCorners in [false, true] {
                let grid = gridAwayFromKinks([2, 6, 4], height: 7, width: 5, alignCorners: alignCorners, seed: 20)
                checkGradients([x, grid]) { gridSample($0[0], grid: $0[1], padding: padding, alignCorners: alignCorners) }
                checkGradients([grid]) { gridSample(x, grid: $0[0], padding: padding, alignCorners: alignCorners) }
            }
        }
    }
}
