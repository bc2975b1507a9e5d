import Tensor

/// torchvision's `RandomCrop(size)` (no padding): a box of a fixed size placed uniformly. The
/// patch losses take many of these from one image (CLIPstyler: 64 crops of 128x128 from the
/// 512x512 output; CLIPAG: 32 crops of 128 from the 224 image) and resize them to 224.
public struct RandomCrop: Sendable {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        precondition(height > 0 && width > 0, "random crop of \(height)x\(width)")
        self.height = height
        self.width = width
    }

    /// A square crop.
    public init(size: Int) { self.init(height: size, width: size) }

    /// One box, as `RandomCrop.get_params`: top uniform in 0...H − height, left uniform in
    /// 0...W − width, no draw when the crop is the whole image.
    public func sample(imageHeight: Int, imageWidth: Int, generator: inout SeededGenerator) -> PixelBox {
        precondition(
            height <= imageHeight && width <= imageWidth,
            "random crop of \(height)x\(width) does not fit a \(imageHeight)x\(imageWidth) image")
        if height == imageHeight && width == imageWidth { return .full(height: height, width: width) }
        let top = generator.nextInt(below: imageHeight - height + 1)
        let left = generator.nextInt(below: imageWidth - width + 1)
        return PixelBox(top: top, left: left, height: height, width: width)
    }

    /// `count` independent boxes.
    public func sample(count: Int, imageHeight: Int, imageWidth: Int, generator: inout SeededGenerator) -> [PixelBox] {
        (0..<count).map { _ in sample(imageHeight: imageHeight, imageWidth: imageWidth, generator: &generator) }
    }

    /// The patches [max(N, P), C, height, width] of `images` [N, C, H, W]: one image and K boxes
    /// give K patches of it.
    public func apply(_ images: Tensor, _ boxes: [PixelBox]) -> Tensor {
        crop(images, boxes)
    }
}
