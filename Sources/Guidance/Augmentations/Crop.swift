import Tensor

/// A rectangle of pixels: rows `top..<top + height`, columns `left..<left + width`, as
/// torchvision's `(i, j, h, w)` crop parameters. It may reach outside the image.
public struct PixelBox: Equatable, Hashable, Sendable {
    public var top: Int
    public var left: Int
    public var height: Int
    public var width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        precondition(height >= 0 && width >= 0, "negative box size \(height)x\(width)")
        self.top = top
        self.left = left
        self.height = height
        self.width = width
    }

    /// The whole of an image of the given size.
    public static func full(height: Int, width: Int) -> PixelBox {
        PixelBox(top: 0, left: 0, height: height, width: width)
    }
}

/// Cuts `boxes` out of `images` [N, C, H, W], as `torchvision.transforms.functional.crop`: parts
/// of a box outside the image read as 0. All boxes must have the same size; they broadcast against
/// the batch (see `Batching.swift`), so one image and K boxes give K patches.
public func crop(_ images: Tensor, _ boxes: [PixelBox]) -> Tensor {
    precondition(
        boxes.allSatisfy { $0.height == boxes[0].height && $0.width == boxes[0].width },
        "crop: boxes of different sizes cannot share a batch; use resizedCrop")
    return mapImages(images, boxes, "crop", cropAll)
}

/// The same box cut from every image of the batch.
func cropAll(_ images: Tensor, _ box: PixelBox) -> Tensor {
    let height = images.shape[2], width = images.shape[3]
    if box == .full(height: height, width: width) { return images }
    let rows = clippedSpan(start: box.top, length: box.height, size: height)
    let columns = clippedSpan(start: box.left, length: box.width, size: width)
    let inside = images.slice(axis: 2, start: rows.start, length: rows.length)
        .slice(axis: 3, start: columns.start, length: columns.length)
    guard rows.length != box.height || columns.length != box.width else { return inside }
    // torchvision pads the part of the box outside the image with zeros.
    let top = min(max(rows.start - box.top, 0), box.height - rows.length)
    let left = min(max(columns.start - box.left, 0), box.width - columns.length)
    return inside.padded([
        (before: top, after: box.height - rows.length - top),
        (before: left, after: box.width - columns.length - left),
    ])
}

/// The part of `start..<start + length` inside `0..<size` (length 0, at a valid start, when the
/// two do not overlap).
func clippedSpan(start: Int, length: Int, size: Int) -> (start: Int, length: Int) {
    let lower = min(max(start, 0), size)
    let upper = min(max(start + length, lower), size)
    return (lower, upper - lower)
}
