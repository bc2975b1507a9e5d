import Guidance
import Tensor

/// CLIPstyler's patch views: random square crops of the stylised output, each warped by its own
/// random perspective (`RandomPerspective(fill=0, p=1, distortion_scale=0.5)`), resized to the
/// model resolution (`Resize(224)`, bilinear) and normalised.
public struct CLIPstylerPatchAugmentation: Sendable {
    public var patches: Int
    public var crop: RandomCrop
    public var perspective: RandomPerspective
    /// Shorter side of the views after resizing.
    public var size: Int
    public var normalization: CLIPNormalization?

    public init(
        patches: Int = 64, patchSize: Int = 128,
        perspective: RandomPerspective = RandomPerspective(distortionScale: 0.5, probability: 1, fill: [0]),
        size: Int = 224, normalization: CLIPNormalization? = .openAI
    ) {
        precondition(patches > 0, "\(patches) patches")
        self.patches = patches
        crop = RandomCrop(size: patchSize)
        self.perspective = perspective
        self.size = size
        self.normalization = normalization
    }

    public struct Draw: Equatable, Sendable {
        public var boxes: [PixelBox]
        public var perspectives: [PerspectiveParameters]

        public init(boxes: [PixelBox], perspectives: [PerspectiveParameters]) {
            self.boxes = boxes
            self.perspectives = perspectives
        }
    }

    /// Patch by patch: its box, then its warp, as the reference's loop does.
    public func sample(imageHeight: Int, imageWidth: Int, generator: inout SeededGenerator) -> Draw {
        var draw = Draw(boxes: [], perspectives: [])
        for _ in 0..<patches {
            draw.boxes.append(crop.sample(imageHeight: imageHeight, imageWidth: imageWidth, generator: &generator))
            draw.perspectives.append(perspective.sample(height: crop.height, width: crop.width, generator: &generator))
        }
        return draw
    }

    /// The views [patches, C, size, size] of `image` [1, C, H, W].
    public func apply(_ image: Tensor, _ draw: Draw) -> Tensor {
        precondition(image.rank == 4 && image.shape[0] == 1, "CLIPstyler patches are cut from one image [1, C, H, W], got \(image.shape)")
        let warped = perspective.apply(crop.apply(image, draw.boxes), draw.perspectives)
        let views = resizeShorterSide(warped, to: size, mode: .bilinear)
        return normalization.map { $0(views) } ?? views
    }

    public func callAsFunction(_ image: Tensor, generator: inout SeededGenerator) -> Tensor {
        apply(image, sample(imageHeight: image.shape[2], imageWidth: image.shape[3], generator: &generator))
    }
}
