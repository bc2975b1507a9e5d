import Guidance
import Tensor

/// CLIPAG's two kinds of views of the optimised image [1, C, H, W] (the reference notebook):
/// - global: `views` copies, each with its own Gaussian noise, then DiffAugment, then normalised;
/// - patches: `patches` copies plus ONE shared noise draw, each copy cropped at random
///   (`RandomCrop(128)`) and resized to 224 (`Resize(224)`), clamped to [0, 1], then DiffAugment
///   and normalisation.
/// DiffAugment draws one rescale factor per call, so all views of a kind share it.
public struct CLIPAGAugmentation: Sendable {
    public var views: Int
    public var patches: Int
    public var crop: RandomCrop
    /// Shorter side of the patch views after resizing.
    public var size: Int
    public var noise: GaussianNoise
    public var diffAugment: DiffAugment
    public var normalization: CLIPNormalization?

    public init(
        views: Int = 32, patches: Int = 32, patchSize: Int = 128, size: Int = 224,
        noise: GaussianNoise = GaussianNoise(standardDeviation: 0.01),
        diffAugment: DiffAugment = DiffAugment(), normalization: CLIPNormalization? = .openAI
    ) {
        precondition(views > 0 && patches > 0, "\(views) views and \(patches) patches")
        self.views = views
        self.patches = patches
        crop = RandomCrop(size: patchSize)
        self.size = size
        self.noise = noise
        self.diffAugment = diffAugment
        self.normalization = normalization
    }

    public struct GlobalDraw: Sendable {
        /// [views, C, H, W].
        public var noise: Tensor
        public var diffAugment: DiffAugment.Draw

        public init(noise: Tensor, diffAugment: DiffAugment.Draw) {
            self.noise = noise
            self.diffAugment = diffAugment
        }
    }

    public struct PatchDraw: Sendable {
        /// [1, C, H, W], shared by all patches.
        public var noise: Tensor
        public var boxes: [PixelBox]
        public var diffAugment: DiffAugment.Draw

        public init(noise: Tensor, boxes: [PixelBox], diffAugment: DiffAugment.Draw) {
            self.noise = noise
            self.boxes = boxes
            self.diffAugment = diffAugment
        }
    }

    /// Noise, then DiffAugment, for the global views of a channels x height x width image.
    public func sampleGlobalViews(channels: Int, height: Int, width: Int, generator: inout SeededGenerator) -> GlobalDraw {
        let noiseDraw = noise.sample(shape: [views, channels, height, width], generator: &generator)
        return GlobalDraw(
            noise: noiseDraw, diffAugment: diffAugment.sample(count: views, height: height, width: width, generator: &generator))
    }

    /// Shared noise, the crop boxes, then DiffAugment (for the resized patch size).
    public func samplePatchViews(channels: Int, height: Int, width: Int, generator: inout SeededGenerator) -> PatchDraw {
        let noiseDraw = noise.sample(shape: [1, channels, height, width], generator: &generator)
        let boxes = crop.sample(count: patches, imageHeight: height, imageWidth: width, generator: &generator)
        let view = shorterSideSize(height: crop.height, width: crop.width, to: size)
        return PatchDraw(
            noise: noiseDraw, boxes: boxes,
            diffAugment: diffAugment.sample(count: patches, height: view.height, width: view.width, generator: &generator))
    }

    /// The global views [views, C, H, W] of `image` [1, C, H, W].
    public func globalViews(_ image: Tensor, _ draw: GlobalDraw) -> Tensor {
        precondition(image.rank == 4 && image.shape[0] == 1, "CLIPAG views are taken of one image [1, C, H, W], got \(image.shape)")
        let augmented = diffAugment.apply(noise.apply(image, draw.noise), draw.diffAugment)
        return normalization.map { $0(augmented) } ?? augmented
    }

    /// The patch views [patches, C, size, size] (for square patches) of `image` [1, C, H, W].
    public func patchViews(_ image: Tensor, _ draw: PatchDraw) -> Tensor {
        precondition(image.rank == 4 && image.shape[0] == 1, "CLIPAG patches are cut from one image [1, C, H, W], got \(image.shape)")
        let cropped = crop.apply(noise.apply(image, draw.noise), draw.boxes)
        let resized = clamp(resizeShorterSide(cropped, to: size, mode: .bilinear), 0, 1)
        let augmented = diffAugment.apply(resized, draw.diffAugment)
        return normalization.map { $0(augmented) } ?? augmented
    }
}
