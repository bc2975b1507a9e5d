import Methods
import Tensor
import TestSupport
import XCTest

/// The blocks of the CLIPstyler U-Net that the style losses train, against finite differences:
/// one residual block (convolutions, instance norms without affine parameters, ReLUs, 1x1 skip),
/// a down block (its 4x4 stride-2 convolution) and an up block (bilinear x2 and the skip join).
/// The whole network's gradients are compared with PyTorch's autograd in `StylerUNetTests`:
/// through a dozen blocks of ReLUs, finite differences cross kinks on both sides of most probes.
///
/// The ReLUs make these functions piecewise smooth, hence `checkPiecewiseGradients`.
final class StylerUNetGradientTests: XCTestCase {
    private let network = StylerUNet(seed: 11)

    func testResidualBlockGradients() {
        let block = network.inputBlock
        let x = randomTensor([1, 16, 6, 6], seed: 1)
        checkPiecewiseGradients([x, block.first.weight, block.second.weight, block.skip.weight, block.skip.bias]) { _ in
            block(x)
        }
    }

    func testDownBlockGradients() {
        let block = network.down2
        let x = randomTensor([1, 16, 8, 8], seed: 2)
        checkPiecewiseGradients([x, block.downsample.weight, block.downsample.bias]) { _ in block(x).down }
        checkPiecewiseGradients([x, block.body.first.weight]) { _ in block(x).features }
    }

    func testUpBlockGradients() {
        let block = network.up2
        let x = randomTensor([1, 64, 2, 2], seed: 3), features = randomTensor([1, 32, 4, 4], seed: 4)
        checkPiecewiseGradients([x, features, block.body.first.weight, block.body.skip.weight]) { _ in block(x, skip: features) }
    }
}
