import Tensor

// The layers of the CLIPstyler U-Net (`StyleNet.py` of cyclomon/CLIPstyler), named as the
// reference names them so a state dict maps onto them key for key.
//
// Every block is trainable: each parameter comes from a `ParameterSupplier` (a seeded PyTorch
// default initialisation, or a state dict) while the block is built.

/// Supplies the parameter `name` of `shape`; `fanIn` is its convolution's inputs per output
/// (input channels x kernel taps), which PyTorch's default initialisation scales by.
/// Typed throws: a seeded initialisation (`Never`) builds without `try`.
typealias ParameterSupplier<Failure: Error> = (_ name: String, _ shape: [Int], _ fanIn: Int) throws(Failure) -> Tensor

extension StylerUNet {
    /// A 2-D convolution with bias (`nn.Conv2d`); square kernel, same stride and padding on both axes.
    public struct Convolution {
        public let weight: Tensor
        public let bias: Tensor
        public let stride: Int
        public let padding: Int

        init<Failure: Error>(
            _ name: String, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
            supply: ParameterSupplier<Failure>
        ) throws(Failure) {
            let fanIn = inChannels * kernel * kernel
            weight = try supply("\(name).weight", [outChannels, inChannels, kernel, kernel], fanIn)
            bias = try supply("\(name).bias", [outChannels], fanIn)
            self.stride = stride
            self.padding = padding
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
        }
    }

    /// conv 3x3 → instance norm → ReLU → conv 3x3 → instance norm → ReLU, plus a 1x1 convolution
    /// of the input: the reference's `EncodingBlock`, and the body of its down and up blocks.
    /// The norms are `nn.InstanceNorm2d` defaults: no affine parameters, no running statistics.
    public struct ResidualBlock {
        /// `conv.0` and `conv.3` in the reference's `nn.Sequential` (norms and ReLUs between).
        public let first: Convolution
        public let second: Convolution
        public let skip: Convolution

        init<Failure: Error>(_ name: String, in inChannels: Int, out outChannels: Int, supply: ParameterSupplier<Failure>) throws(Failure) {
            first = try Convolution("\(name).conv.0", in: inChannels, out: outChannels, kernel: 3, padding: 1, supply: supply)
            second = try Convolution("\(name).conv.3", in: outChannels, out: outChannels, kernel: 3, padding: 1, supply: supply)
            skip = try Convolution("\(name).skip", in: inChannels, out: outChannels, kernel: 1, supply: supply)
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            let hidden = relu(instanceNorm(first(x), weight: nil, bias: nil))
            return relu(instanceNorm(second(hidden), weight: nil, bias: nil)) + skip(x)
        }
    }

    /// A residual block followed by a 4x4 stride-2 convolution that halves the resolution
    /// (the reference's `DownBlock`); the full-resolution features feed the matching up block.
    public struct DownBlock {
        public let body: ResidualBlock
        public let downsample: Convolution

        init<Failure: Error>(_ name: String, in inChannels: Int, out outChannels: Int, supply: ParameterSupplier<Failure>) throws(Failure) {
            body = try ResidualBlock(name, in: inChannels, out: outChannels, supply: supply)
            downsample = try Convolution(
                "\(name).downsample", in: outChannels, out: outChannels, kernel: 4, stride: 2, padding: 1, supply: supply)
        }

        /// (half resolution, full-resolution features for the skip connection)
        public func callAsFunction(_ x: Tensor) -> (down: Tensor, features: Tensor) {
            let features = body(x)
            return (downsample(features), features)
        }
    }

    /// Bilinear x2 upsampling (align_corners false, `nn.Upsample(scale_factor=2)`), joined along
    /// the channels with the skip features of the same resolution, through a residual block
    /// (the reference's `UpBlock`).
    public struct UpBlock {
        public let body: ResidualBlock

        /// `in`: channels coming from below; `out`: channels of the skip features and of the output.
        init<Failure: Error>(_ name: String, in inChannels: Int, out outChannels: Int, supply: ParameterSupplier<Failure>) throws(Failure) {
            body = try ResidualBlock(name, in: inChannels + outChannels, out: outChannels, supply: supply)
        }

        public func callAsFunction(_ x: Tensor, skip features: Tensor) -> Tensor {
            let upsampled = resize(x, height: 2 * x.shape[2], width: 2 * x.shape[3], mode: .bilinear)
            return body(concat([upsampled, features], axis: 1))
        }
    }
}
