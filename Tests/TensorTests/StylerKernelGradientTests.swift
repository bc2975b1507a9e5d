import Tensor
import TestSupport
import XCTest

/// The kernels of the CLIPstyler U-Net in the configurations it uses, against finite differences:
/// instance norm without affine parameters over several channels, the 4x4 stride-2 padding-1
/// down convolution with weight and bias, and bilinear x2 upsampling (align_corners false).
final class StylerKernelGradientTests: XCTestCase {
    func testInstanceNormWithoutAffineParameters() {
        checkGradients([randomTensor([2, 16, 4, 4], seed: 1, -2, 3)]) { instanceNorm($0[0], weight: nil, bias: nil) }
    }

    func testStrideTwoFourByFourConvolution() {
        let x = randomTensor([2, 4, 8, 6], seed: 2)
        let weight = randomTensor([4, 4, 4, 4], seed: 3, -0.25, 0.25), bias = randomTensor([4], seed: 4)
        forEachConvolutionPath { _ in
            checkGradients([x, weight, bias]) { conv2d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1) }
            XCTAssertEqual(conv2d(x, weight: weight, bias: bias, stride: 2, padding: 1).shape, [2, 4, 4, 3])
        }
    }

    func testBilinearDoubling() {
        checkGradients([randomTensor([1, 3, 4, 5], seed: 5)]) { resize($0[0], height: 8, width: 10, mode: .bilinear) }
    }
}
