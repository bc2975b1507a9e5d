import Foundation
import Tensor

extension VGG19Features {
    /// VGG19 with deterministic random weights in PyTorch's default initialisation range
    /// (uniform in ±1/√fan-in), for benchmarks and tests: speed and the mechanics of the content
    /// loss do not depend on trained values.
    public static func synthetic(seed: UInt64) -> VGG19Features {
        var generator = SeededGenerator(seed: seed)
        var tensors: [String: Tensor] = [:]
        var index = 0, channels = 3
        for entry in layout {
            guard let outChannels = entry else {
                index += 1
                continue
            }
            let bound = 1 / Float(9 * channels).squareRoot()
            tensors["features.\(index).weight"] = Tensor.uniform([outChannels, channels, 3, 3], -bound, bound, generator: &generator)
            tensors["features.\(index).bias"] = Tensor.uniform([outChannels], -bound, bound, generator: &generator)
            index += 2
            channels = outChannels
        }
        let weights = StateDict(tensors: tensors, source: URL(fileURLWithPath: "synthetic-vgg19"), format: .safetensors)
        return try! VGG19Features(weights: weights)  // every tensor is made above with its expected shape
    }
}
