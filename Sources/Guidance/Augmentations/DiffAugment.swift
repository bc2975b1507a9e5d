import Tensor

/// DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training", 2020)
/// with the policy the CLIPAG reference uses, "color,translation,resize,cutout": each enabled step
/// in that order, on every view. A step set to `nil` is left out of the policy.
public struct DiffAugment: Sendable {
    public var color: RandomColorJitter?
    public var translation: RandomTranslation?
    public var rescale: RandomRescale?
    public var cutout: RandomCutout?

    public init(
        color: RandomColorJitter? = RandomColorJitter(), translation: RandomTranslation? = RandomTranslation(),
        rescale: RandomRescale? = RandomRescale(), cutout: RandomCutout? = RandomCutout()
    ) {
        self.color = color
        self.translation = translation
        self.rescale = rescale
        self.cutout = cutout
    }

    /// The random choices of one call; an empty list for a step that is left out.
    public struct Draw: Equatable, Sendable {
        public var color: [ColorJitterParameters]
        public var translation: [TranslationParameters]
        /// One factor shared by the whole batch, as the reference draws it.
        public var rescale: [Double]
        public var cutout: [PixelBox]

        public init(color: [ColorJitterParameters], translation: [TranslationParameters], rescale: [Double], cutout: [PixelBox]) {
            self.color = color
            self.translation = translation
            self.rescale = rescale
            self.cutout = cutout
        }
    }

    /// Draws for a batch of `count` images of height x width, step by step as the reference does.
    public func sample(count: Int, height: Int, width: Int, generator: inout SeededGenerator) -> Draw {
        Draw(
            color: color?.sample(count: count, generator: &generator) ?? [],
            translation: translation?.sample(count: count, height: height, width: width, generator: &generator) ?? [],
            rescale: rescale.map { [$0.sample(generator: &generator)] } ?? [],
            cutout: cutout?.sample(count: count, height: height, width: width, generator: &generator) ?? [])
    }

    /// Applies `draw` to `images` [N, C, H, W]; the output has the input's size.
    public func apply(_ images: Tensor, _ draw: Draw) -> Tensor {
        var result = images
        if !draw.color.isEmpty { result = Guidance.colorJitter(result, draw.color) }
        if !draw.translation.isEmpty { result = Guidance.translate(result, draw.translation) }
        if !draw.rescale.isEmpty { result = Guidance.rescale(result, draw.rescale) }
        if !draw.cutout.isEmpty { result = Guidance.cutout(result, draw.cutout) }
        return result
    }
}
