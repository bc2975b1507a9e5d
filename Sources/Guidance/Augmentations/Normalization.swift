import Models
import Tensor

/// The per-channel standardisation CLIP's image tower expects: (x − mean) / std.
public struct CLIPNormalization: Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "\(mean.count) means for \(std.count) standard deviations")
        precondition(std.allSatisfy { $0 > 0 }, "standard deviations must be positive: \(std)")
        self.mean = mean
        self.std = std
    }

    /// OpenAI CLIP's statistics (also OpenCLIP's for the OpenAI-style models), defined once in
    /// `CLIPModel`.
    public static let openAI = CLIPNormalization(mean: CLIPModel.imageMean, std: CLIPModel.imageStd)

    /// `(images − mean) / std` per channel of `images` [N, C, H, W], as torchvision's `Normalize`;
    /// differentiable with respect to the images.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        precondition(
            images.rank == 4 && images.shape[1] == mean.count,
            "CLIP normalisation of \(mean.count) channels applied to \(images.shape)")
        let channels = mean.count
        return (images - Tensor(shape: [1, channels, 1, 1], values: mean)) / Tensor(shape: [1, channels, 1, 1], values: std)
    }
}
