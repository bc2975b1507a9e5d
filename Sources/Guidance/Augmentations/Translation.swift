import Tensor

/// DiffAugment's `rand_translation`: a whole-pixel shift with zero fill.
public struct TranslationParameters: Equatable, Hashable, Sendable {
    /// Output pixel (row, column) shows input pixel (row + rows, column + columns); 0 where that is
    /// outside the image.
    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    public static let identity = TranslationParameters(rows: 0, columns: 0)
}

/// DiffAugment's "translation" policy.
public struct RandomTranslation: Sendable {
    /// Largest shift as a fraction of the side (DiffAugment: 0.125).
    public var ratio: Double

    public init(ratio: Double = 0.125) {
        precondition(ratio >= 0, "translation ratio \(ratio) is negative")
        self.ratio = ratio
    }

    /// One draw: each shift uniform among the integers in ±int(side · ratio + 0.5), rows from the
    /// height and columns from the width, as the reference's `torch.randint(-shift, shift + 1)`.
    public func sample(height: Int, width: Int, generator: inout SeededGenerator) -> TranslationParameters {
        let maxRows = Int(Double(height) * ratio + 0.5), maxColumns = Int(Double(width) * ratio + 0.5)
        let rows = generator.nextInt(below: 2 * maxRows + 1) - maxRows
        let columns = generator.nextInt(below: 2 * maxColumns + 1) - maxColumns
        return TranslationParameters(rows: rows, columns: columns)
    }

    /// `count` independent draws.
    public func sample(count: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [TranslationParameters] {
        (0..<count).map { _ in sample(height: height, width: width, generator: &generator) }
    }

    public func apply(_ images: Tensor, _ parameters: [TranslationParameters]) -> Tensor {
        translate(images, parameters)
    }
}

/// Shifts `images` [N, C, H, W] by whole pixels with zero fill (a crop of the image's own size
/// at the shifted position). Differentiable with respect to the images; parameters broadcast
/// against the batch (see `Batching.swift`).
public func translate(_ images: Tensor, _ parameters: [TranslationParameters]) -> Tensor {
    let height = images.shape[2], width = images.shape[3]
    return mapImages(images, parameters, "translate") { image, shift in
        cropAll(image, PixelBox(top: shift.rows, left: shift.columns, height: height, width: width))
    }
}
