import Tensor

/// DiffAugment's colour transform (Zhao et al. 2020, `rand_brightness`, `rand_saturation`,
/// `rand_contrast`, as the CLIPAG reference copies them), applied in that order to each image.
public struct ColorJitterParameters: Equatable, Hashable, Sendable {
    /// Added to every value; DiffAugment draws it uniformly in [−0.5, 0.5).
    public var brightness: Float
    /// Scales each pixel's deviation from its mean over the channels; uniform in [0, 2).
    public var saturation: Float
    /// Scales each value's deviation from the image's mean over channels, rows and columns;
    /// uniform in [0.5, 1.5).
    public var contrast: Float

    public init(brightness: Float, saturation: Float, contrast: Float) {
        self.brightness = brightness
        self.saturation = saturation
        self.contrast = contrast
    }

    /// Leaves images as they are.
    public static let identity = ColorJitterParameters(brightness: 0, saturation: 1, contrast: 1)
}

/// DiffAugment's "color" policy, which has no settings.
public struct RandomColorJitter: Sendable {
    public init() {}

    /// One draw: `rand − 0.5`, `rand · 2`, `rand + 0.5` with `rand` uniform in [0, 1), as the
    /// reference computes them in float32.
    public func sample(generator: inout SeededGenerator) -> ColorJitterParameters {
        let brightness = generator.nextUniform() - 0.5
        let saturation = generator.nextUniform() * 2
        let contrast = generator.nextUniform() + 0.5
        return ColorJitterParameters(brightness: brightness, saturation: saturation, contrast: contrast)
    }

    /// `count` independent draws.
    public func sample(count: Int, generator: inout SeededGenerator) -> [ColorJitterParameters] {
        (0..<count).map { _ in sample(generator: &generator) }
    }

    public func apply(_ images: Tensor, _ parameters: [ColorJitterParameters]) -> Tensor {
        colorJitter(images, parameters)
    }
}

/// Brightness, saturation and contrast of `images` [N, C, H, W], as DiffAugment's three steps
/// `x + b`, then `(x − mean_c x) · s + mean_c x`, then `(x − mean x) · c + mean x` (means over the
/// channels, and over channels, rows and columns, each taken after the previous step).
///
/// The brightness shift moves both means along with the pixels, so the three steps compose into
/// one affine map of the input and its two means, evaluated here in one pass instead of nine:
///   out = c·s·x + c·(1 − s)·mean_c(x) + (1 − c)·mean(x) + b.
/// It equals the step-by-step form up to float32 rounding (about 1e-7). Differentiable with respect
/// to the images, the means included; parameters broadcast against the batch (see `Batching.swift`).
public func colorJitter(_ images: Tensor, _ parameters: [ColorJitterParameters]) -> Tensor {
    let batch = broadcastBatch(images, parameterCount: parameters.count, "colorJitter")
    if parameters.allSatisfy({ $0 == .identity }) { return repeatBatch(images, to: batch) }
    let grey = images.mean(axes: [1], keepDims: true)
    // The mean over everything is the mean of the per-pixel channel means.
    let average = grey.mean(axes: [2, 3], keepDims: true)
    let pixelScale = perImageScalars(parameters.map { $0.contrast * $0.saturation })
    let greyScale = perImageScalars(parameters.map { $0.contrast * (1 - $0.saturation) })
    let averageScale = perImageScalars(parameters.map { 1 - $0.contrast })
    let shift = perImageScalars(parameters.map(\.brightness))
    return images * pixelScale + (grey * greyScale + (average * averageScale + shift))
}
