import Tensor

/// K augmented copies of one image, each a random perspective warp followed by a random resized
/// crop and (optionally) CLIP normalisation: the CLIPDraw and CLIPasso recipes. One `Draw` can be
/// applied to several images, so CLIPasso's sketch and target see the same transforms.
public struct PerspectiveCropAugmentation: Sendable {
    /// Number of augmented copies per image.
    public var copies: Int
    public var perspective: RandomPerspective
    public var crop: RandomResizedCrop
    /// Applied last; `nil` feeds CLIP un-normalised pixels (the CLIPDraw paper's quirk).
    public var normalization: CLIPNormalization?

    public init(copies: Int, perspective: RandomPerspective, crop: RandomResizedCrop, normalization: CLIPNormalization? = .openAI) {
        precondition(copies > 0, "\(copies) augmented copies")
        self.copies = copies
        self.perspective = perspective
        self.crop = crop
        self.normalization = normalization
    }

    /// CLIPDraw: `RandomPerspective(fill=1, p=1, distortion_scale=0.5)` (white, the canvas colour),
    /// then `RandomResizedCrop(224, scale=(0.7, 0.9))` with the default ratio range.
    public static func clipDraw(copies: Int = 4, size: Int = 224, normalization: CLIPNormalization? = .openAI)
        -> PerspectiveCropAugmentation
    {
        PerspectiveCropAugmentation(
            copies: copies, perspective: RandomPerspective(distortionScale: 0.5, probability: 1, fill: [1]),
            crop: RandomResizedCrop(height: size, width: size, scale: 0.7...0.9), normalization: normalization)
    }

    /// CLIPasso: `RandomPerspective(fill=0, p=1, distortion_scale=0.5)`, then
    /// `RandomResizedCrop(224, scale=(0.8, 0.8), ratio=(1.0, 1.0))`.
    public static func clipasso(copies: Int = 4, size: Int = 224, normalization: CLIPNormalization? = .openAI)
        -> PerspectiveCropAugmentation
    {
        PerspectiveCropAugmentation(
            copies: copies, perspective: RandomPerspective(distortionScale: 0.5, probability: 1, fill: [0]),
            crop: .fixedScale(0.8, size: size), normalization: normalization)
    }

    /// The random choices for `copies` copies.
    public struct Draw: Equatable, Sendable {
        public var perspectives: [PerspectiveParameters]
        public var crops: [PixelBox]

        public init(perspectives: [PerspectiveParameters], crops: [PixelBox]) {
            self.perspectives = perspectives
            self.crops = crops
        }
    }

    /// Draws for images of the given size, copy by copy (perspective, then crop), as composing the
    /// torchvision transforms per copy does. The perspective keeps the size, so the crop is drawn
    /// for the same size.
    public func sample(imageHeight: Int, imageWidth: Int, generator: inout SeededGenerator) -> Draw {
        var draw = Draw(perspectives: [], crops: [])
        for _ in 0..<copies {
            draw.perspectives.append(perspective.sample(height: imageHeight, width: imageWidth, generator: &generator))
            draw.crops.append(crop.sample(imageHeight: imageHeight, imageWidth: imageWidth, generator: &generator))
        }
        return draw
    }

    /// The copies [copies, C, crop.height, crop.width] of one image [1, C, H, W]; for a batch of
    /// images [B, C, H, W] the copies of image b are rows b·copies ..< (b + 1)·copies (each image
    /// gets the same draw).
    public func apply(_ images: Tensor, _ draw: Draw) -> Tensor {
        precondition(images.rank == 4, "augmentation expects images [N, C, H, W], got \(images.shape)")
        let batch = images.shape[0]
        let expanded =
            batch == 1
            ? images
            : concat(
                (0..<batch).flatMap { index in
                    Array(repeating: images.slice(axis: 0, start: index, length: 1), count: copies)
                }, axis: 0)
        let warped = perspective.apply(expanded, repeatDraws(draw.perspectives, batch))
        let cropped = crop.apply(warped, repeatDraws(draw.crops, batch))
        return normalization.map { $0(cropped) } ?? cropped
    }

    /// Fresh draws applied to `images`.
    public func callAsFunction(_ images: Tensor, generator: inout SeededGenerator) -> Tensor {
        apply(images, sample(imageHeight: images.shape[2], imageWidth: images.shape[3], generator: &generator))
    }
}

/// The draws of one image repeated for each of `batch` images, image-major.
func repeatDraws<Parameters>(_ draws: [Parameters], _ batch: Int) -> [Parameters] {
    Array((0..<batch).map { _ in draws }.joined())
}
