import Tensor

/// The convolutional part of torchvision's VGG (`features`: 3x3 convolutions with padding 1, each
/// followed by a ReLU, and 2x2 max pools), with frozen weights, run as far as a caller reads it.
/// VGG16 and VGG19 differ only in their `layout`.
struct VGGConvolutions {
    /// Output channels per convolution, nil for a max pool, in `features` order. Each entry takes
    /// one index of `features`, a convolution two (itself and its ReLU).
    let layout: [Int?]

    private enum Layer {
        case convolution(index: Int, weight: Tensor, bias: Tensor)
        case maxPool
    }

    private let layers: [Layer]

    /// Takes `features.N.weight` and `features.N.bias` from torchvision's state dict (other keys
    /// are ignored). Throws `WeightError.missingTensor` or `.shapeMismatch` naming the file and
    /// the first tensor that is missing or mis-shaped.
    init(layout: [Int?], weights: StateDict) throws {
        var layers: [Layer] = []
        for (index, channels) in Self.convolutions(layout) {
            if let channels {
                let weight = try weights.tensor("features.\(index).weight", shape: [channels.output, channels.input, 3, 3])
                let bias = try weights.tensor("features.\(index).bias", shape: [channels.output])
                weight.requiresGrad = false
                bias.requiresGrad = false
                layers.append(.convolution(index: index, weight: weight, bias: bias))
            } else {
                layers.append(.maxPool)
            }
        }
        self.layout = layout
        self.layers = layers
    }

    /// Each entry of `layout` with its index in `features` and, for a convolution, its channels.
    static func convolutions(_ layout: [Int?]) -> [(index: Int, channels: (input: Int, output: Int)?)] {
        var entries: [(index: Int, channels: (input: Int, output: Int)?)] = []
        var index = 0, channels = 3
        for entry in layout {
            if let output = entry {
                entries.append((index, (channels, output)))
                index += 2
                channels = output
            } else {
                entries.append((index, nil))
                index += 1
            }
        }
        return entries
    }

    /// The outputs of the ReLUs at `features` indices `taps` (each the index after its
    /// convolution's), in the order of `taps`, for `images` [N, 3, H, W] already normalised.
    /// Differentiable with respect to the images; runs only as far as the last tap.
    func callAsFunction(_ images: Tensor, taps: [Int]) -> [Tensor] {
        var x = images
        var outputs: [Int: Tensor] = [:]
        for layer in layers where outputs.count < taps.count {
            switch layer {
            case .maxPool:
                x = maxPool2d(x, kernel: 2, stride: 2)
            case .convolution(let index, let weight, let bias):
                x = relu(conv2d(x, weight: weight, bias: bias, padding: 1))
                if taps.contains(index + 1) { outputs[index + 1] = x }
            }
        }
        return taps.map { outputs[$0]! }
    }
}
