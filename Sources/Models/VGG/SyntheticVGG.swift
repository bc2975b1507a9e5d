import Foundation
import Tensor

/// VGG weights drawn deterministically in PyTorch's default initialisation range (uniform in
/// ±1/√fan-in), for benchmarks and tests: speed and the mechanics of the losses do not depend on
/// trained values. Per convolution in `features` order, weight then bias, from one generator
/// (Tools/fixtures mirrors this order).
extension VGGConvolutions {
    static func syntheticWeights(layout: [Int?], seed: UInt64, name: String) -> StateDict {
        var generator = SeededGenerator(seed: seed)
        var tensors: [String: Tensor] = [:]
        for (index, channels) in convolutions(layout) {
            guard let channels else { continue }
            let bound = 1 / Float(9 * channels.input).squareRoot()
            tensors["features.\(index).weight"] = Tensor.uniform(
                [channels.output, channels.input, 3, 3], -bound, bound, generator: &generator)
            tensors["features.\(index).bias"] = Tensor.uniform([channels.output], -bound, bound, generator: &generator)
        }
        return StateDict(tensors: tensors, source: URL(fileURLWithPath: name), format: .safetensors)
    }
}

extension VGG19Features {
    public static func synthetic(seed: UInt64) -> VGG19Features {
        // Every tensor is made with its expected shape.
        try! VGG19Features(weights: VGGConvolutions.syntheticWeights(layout: layout, seed: seed, name: "synthetic-vgg19"))
    }
}

extension VGG16Features {
    /// The synthetic weights as a state dict, for writing a weights file in tests.
    public static func syntheticWeights(seed: UInt64) -> StateDict {
        VGGConvolutions.syntheticWeights(layout: layout, seed: seed, name: "synthetic-vgg16")
    }

    public static func synthetic(seed: UInt64) -> VGG16Features {
        try! VGG16Features(weights: syntheticWeights(seed: seed))  // every tensor has its expected shape
    }
}
