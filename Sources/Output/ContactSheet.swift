/// Snapshots of a run side by side in one image, so a user sees the optimisation at a glance.
public enum ContactSheet {
    /// The images (any channel count; alpha composited onto white) in a grid of `columns`
    /// (default: as square as possible), each cell as large as the largest image, separated and
    /// framed by `gap` white pixels, left to right, top to bottom.
    public static func compose(_ images: [Image], columns: Int? = nil, gap: Int = 4) -> Image {
        precondition(!images.isEmpty, "a contact sheet needs at least one image")
        let columnCount = max(1, min(columns ?? Int(Double(images.count).squareRoot().rounded(.up)), images.count))
        let rowCount = (images.count + columnCount - 1) / columnCount
        let cellWidth = images.map(\.width).max()!, cellHeight = images.map(\.height).max()!
        let width = columnCount * cellWidth + (columnCount + 1) * gap
        let height = rowCount * cellHeight + (rowCount + 1) * gap
        var pixels = [Float](repeating: 1, count: 3 * width * height)
        for (index, image) in images.enumerated() {
            let rgb = image.compositedOnWhite()
            let left = gap + (index % columnCount) * (cellWidth + gap)
            let top = gap + (index / columnCount) * (cellHeight + gap)
            for channel in 0..<3 {
                for y in 0..<rgb.height {
                    for x in 0..<rgb.width {
                        pixels[(channel * height + top + y) * width + left + x] = rgb[x, y, channel]
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
}

extension ContactSheet {
    /// The images in a grid as `compose` lays them out, each with its label (e.g. "step 200",
    /// "8 strokes") in a strip below it, and wider gaps between the cells.
    public static func compose(_ images: [Image], labels: [String], columns: Int? = nil, gap: Int = 8) -> Image {
        precondition(labels.count == images.count, "one label per image")
        let cellWidth = images.map(\.width).max() ?? 0
        let labelHeight = max(12, min(24, cellWidth / 10))
        let cells = zip(images, labels).map { image, label -> Image in
            let rgb = image.compositedOnWhite()
            let strip = TextLabel.render(label, width: cellWidth, height: labelHeight)
            let height = rgb.height + labelHeight
            var pixels = [Float](repeating: 1, count: 3 * cellWidth * height)
            let left = (cellWidth - rgb.width) / 2
            for channel in 0..<3 {
                for y in 0..<rgb.height {
                    for x in 0..<rgb.width { pixels[(channel * height + y) * cellWidth + left + x] = rgb[x, y, channel] }
                }
                for y in 0..<labelHeight {
                    for x in 0..<cellWidth {
                        pixels[(channel * height + rgb.height + y) * cellWidth + x] =
                            strip.pixels[(channel * labelHeight + y) * cellWidth + x]
                    }
                }
            }
            return Image(width: cellWidth, height: height, channels: 3, pixels: pixels)
        }
        return compose(cells, columns: columns, gap: gap)
    }
}
