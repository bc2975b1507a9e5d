import Tensor

/// DiffAugment's "cutout" policy: one square (of `ratio` times each side) set to zero, centred on a
/// uniformly drawn pixel and clipped to the image.
public struct RandomCutout: Sendable {
    /// Side of the square as a fraction of the image side (DiffAugment: 0.5).
    public var ratio: Double

    public init(ratio: Double = 0.5) {
        precondition(ratio >= 0 && ratio <= 1, "cutout ratio \(ratio) outside [0, 1]")
        self.ratio = ratio
    }

    /// One box, as the reference's `rand_cutout`: sides int(side · ratio + 0.5); the centre row
    /// uniform in 0..<H + (1 − height mod 2) (and likewise the column), the box starting
    /// height / 2 (floored) before it. The box may reach outside the image.
    public func sample(height: Int, width: Int, generator: inout SeededGenerator) -> PixelBox {
        let boxHeight = Int(Double(height) * ratio + 0.5), boxWidth = Int(Double(width) * ratio + 0.5)
        let centreRow = generator.nextInt(below: height + (1 - boxHeight % 2))
        let centreColumn = generator.nextInt(below: width + (1 - boxWidth % 2))
        return PixelBox(top: centreRow - boxHeight / 2, left: centreColumn - boxWidth / 2, height: boxHeight, width: boxWidth)
    }

    /// `count` independent boxes.
    public func sample(count: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [PixelBox] {
        (0..<count).map { _ in sample(height: height, width: width, generator: &generator) }
    }

    public func apply(_ images: Tensor, _ boxes: [PixelBox]) -> Tensor {
        cutout(images, boxes)
    }
}

/// Sets the pixels of `images` [N, C, H, W] inside each box (clipped to the image) to zero, in all
/// channels: a multiplication by a constant mask, so the gradient there is zero too. An empty box
/// changes nothing. Boxes broadcast against the batch (see `Batching.swift`).
public func cutout(_ images: Tensor, _ boxes: [PixelBox]) -> Tensor {
    let batch = broadcastBatch(images, parameterCount: boxes.count, "cutout")
    let height = images.shape[2], width = images.shape[3]
    let mask = Tensor(repeating: 1, shape: [boxes.count, 1, height, width])
    for (index, box) in boxes.enumerated() {
        let rows = clippedSpan(start: box.top, length: box.height, size: height)
        let columns = clippedSpan(start: box.left, length: box.width, size: width)
        let plane = mask.pointer + index * height * width
        for row in rows.start..<(rows.start + rows.length) {
            (plane + row * width + columns.start).update(repeating: 0, count: columns.length)
        }
    }
    return repeatBatch(images * mask, to: batch)
}
