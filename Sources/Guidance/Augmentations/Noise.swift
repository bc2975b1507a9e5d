import Tensor

/// Additive Gaussian noise (CLIPAG adds σ = 0.01 to every view before the other augmentations).
public struct GaussianNoise: Sendable {
    /// Standard deviation.
    public var standardDeviation: Float

    public init(standardDeviation: Float = 0.01) {
        self.standardDeviation = standardDeviation
    }

    /// A noise tensor of `shape` (e.g. [N, C, H, W], or [1, C, H, W] for noise shared by a batch,
    /// as CLIPAG's patch views share one draw).
    public func sample(shape: [Int], generator: inout SeededGenerator) -> Tensor {
        Tensor.normal(shape, mean: 0, std: standardDeviation, generator: &generator)
    }

    /// `images + noise`, broadcasting as the arithmetic operators do.
    public func apply(_ images: Tensor, _ noise: Tensor) -> Tensor {
        images + noise
    }
}
