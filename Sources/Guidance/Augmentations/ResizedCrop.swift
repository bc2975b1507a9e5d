import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// torchvision's `RandomResizedCrop(size, scale, ratio, interpolation)` on tensors, with
/// `antialias=False`: the behaviour of the torchvision releases the reference methods ran with
/// (tensor antialiasing arrived in 0.13 and became the default only in 0.17). The crops the
/// recipes take are at most a few percent smaller than the output, or larger, so antialiasing
/// would change little; `Tensor.resize` has no antialiased mode.
public struct RandomResizedCrop: Sendable {
    /// Output height and width.
    public var height: Int
    public var width: Int
    /// Range of the crop's area as a fraction of the image's.
    public var scale: ClosedRange<Double>
    /// Range of the crop's aspect ratio (width / height), sampled uniformly in log space.
    public var ratio: ClosedRange<Double>
    public var mode: ResizeMode

    public init(
        height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4.0)...(4.0 / 3.0),
        mode: ResizeMode = .bilinear
    ) {
        precondition(height > 0 && width > 0, "resized crop to \(height)x\(width)")
        precondition(
            scale.lowerBound >= 0 && ratio.lowerBound > 0, "resized crop scale \(scale) must be non-negative and ratio \(ratio) positive")
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
        self.mode = mode
    }

    /// A square crop of exactly `scale` of the image's area at a random position (CLIPasso's
    /// `RandomResizedCrop(224, scale=(0.8, 0.8), ratio=(1.0, 1.0))`).
    public static func fixedScale(_ scale: Double, size: Int, mode: ResizeMode = .bilinear) -> RandomResizedCrop {
        RandomResizedCrop(height: size, width: size, scale: scale...scale, ratio: 1...1, mode: mode)
    }

    /// Draws one crop box as `RandomResizedCrop.get_params`: up to 10 attempts of an area fraction
    /// uniform in `scale` and an aspect ratio log-uniform in `ratio` (both drawn in float32, as torch
    /// does; the sides rounded half to even, as Python's `round`), the first that fits placed
    /// uniformly; otherwise a centred crop of the whole image clamped to the ratio range.
    public func sample(imageHeight: Int, imageWidth: Int, generator: inout SeededGenerator) -> PixelBox {
        let area = Double(imageHeight * imageWidth)
        let logRatioLow = logf(Float(ratio.lowerBound)), logRatioHigh = logf(Float(ratio.upperBound))
        for _ in 0..<10 {
            let targetArea = area * Double(generator.nextUniform(Float(scale.lowerBound), Float(scale.upperBound)))
            let aspectRatio = Double(expf(generator.nextUniform(logRatioLow, logRatioHigh)))
            let cropWidth = Int((targetArea * aspectRatio).squareRoot().rounded(.toNearestOrEven))
            let cropHeight = Int((targetArea / aspectRatio).squareRoot().rounded(.toNearestOrEven))
            if cropWidth > 0 && cropWidth <= imageWidth && cropHeight > 0 && cropHeight <= imageHeight {
                let top = generator.nextInt(below: imageHeight - cropHeight + 1)
                let left = generator.nextInt(below: imageWidth - cropWidth + 1)
                return PixelBox(top: top, left: left, height: cropHeight, width: cropWidth)
            }
        }
        let imageRatio = Double(imageWidth) / Double(imageHeight)
        var cropWidth = imageWidth, cropHeight = imageHeight
        if imageRatio < ratio.lowerBound {
            cropHeight = Int((Double(cropWidth) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if imageRatio > ratio.upperBound {
            cropWidth = Int((Double(cropHeight) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return PixelBox(top: (imageHeight - cropHeight) / 2, left: (imageWidth - cropWidth) / 2, height: cropHeight, width: cropWidth)
    }

    /// `count` independent draws.
    public func sample(count: Int, imageHeight: Int, imageWidth: Int, generator: inout SeededGenerator) -> [PixelBox] {
        (0..<count).map { _ in sample(imageHeight: imageHeight, imageWidth: imageWidth, generator: &generator) }
    }

    /// Crops and resizes `images` [N, C, H, W] to [max(N, P), C, height, width].
    public func apply(_ images: Tensor, _ boxes: [PixelBox]) -> Tensor {
        resizedCrop(images, boxes, height: height, width: width, mode: mode)
    }
}

/// `torchvision.transforms.functional.resized_crop(..., antialias=False)`: each box cut out (zero
/// outside the image) and resized to height x width with `Tensor.resize` (align_corners=False).
/// A crop already of the output size is not resampled, as torchvision skips that resize. Boxes
/// broadcast against the batch (see `Batching.swift`); differentiable with respect to the images.
public func resizedCrop(_ images: Tensor, _ boxes: [PixelBox], height: Int, width: Int, mode: ResizeMode = .bilinear) -> Tensor {
    mapImages(images, boxes, "resizedCrop") { image, box in
        let cropped = cropAll(image, box)
        guard box.height != height || box.width != width else { return cropped }
        return resize(cropped, height: height, width: width, mode: mode)
    }
}
