import Models
import Tensor

/// STROTSS's hypercolumns as StyleCLIPDraw reads them from VGG16: at a pixel, the normalised
/// image's three channels followed by the nine tapped ReLU layers' channels (2179 in all), each
/// layer read at the pixel's position scaled to that layer's resolution.
///
/// The reference (pschaldenbrand/StyleCLIPDraw, predict.py) feeds its extractor images in
/// [0, 1] although the extractor's "normal" space expects [−1, 1]: `Vgg16_Extractor.forward`
/// maps x to (x + 1) / 2 before ImageNet's normalisation, so VGG16 sees pixels in [0.5, 1]. Both
/// the style image and the drawing go through it this way; ours do too.
public struct StyleHypercolumns {
    /// The channels of one hypercolumn: the image's 3 and the taps'.
    static let channels = 3 + VGG16Features.tapChannels.reduce(0, +)

    let network: VGG16Features

    /// The image [1, 3, H, W] in [0, 1] as the extractor's first "layer", then the nine taps.
    func layers(_ image: Tensor) -> [Tensor] {
        let normalized = imageNetNormalized((image + 1) * 0.5)
        return [normalized] + network(normalized: normalized)
    }

    // MARK: The drawing's locations

    /// Where the drawing's hypercolumns are read in one step: a row and a column per location.
    public struct Locations: Equatable, Sendable {
        public var rows: [Int]
        public var columns: [Int]

        public init(rows: [Int], columns: [Int]) {
            precondition(rows.count == columns.count, "one column per row")
            self.rows = rows
            self.columns = columns
        }
    }

    /// The reference's `sample_indices` on an image of `height` x `width`, followed by its
    /// independent shuffles of the row list and the column list and `calculate_loss`'s first
    /// `count` entries: a grid with strides ⌊√q⌋ down and ⌈√q⌉ across (q = H·W div 128², so one in
    /// every q pixels or so), random offsets, and rows and columns shuffled apart (so locations
    /// are not grid points, as in the reference).
    @_spi(StepParity)
    public static func sampleLocations(height: Int, width: Int, count: Int, generator: inout SeededGenerator) -> Locations {
        let quotient = Double((height * width) / (128 * 128))
        let rowStride = max(Int(quotient.squareRoot().rounded(.down)), 1)
        let rowOffset = generator.nextInt(below: rowStride)
        let columnStride = max(Int(quotient.squareRoot().rounded(.up)), 1)
        let columnOffset = generator.nextInt(below: columnStride)
        let gridRows = Array(stride(from: rowOffset, to: height, by: rowStride))
        let gridColumns = Array(stride(from: columnOffset, to: width, by: columnStride))
        // numpy's meshgrid(rows, columns) flattened: every row once per column, every column once per row.
        var rows = gridColumns.flatMap { _ in gridRows }
        var columns = gridColumns.flatMap { column in Array(repeating: column, count: gridRows.count) }
        let kept = min(count, rows.count)
        partialShuffle(&rows, first: kept, generator: &generator)
        partialShuffle(&columns, first: kept, generator: &generator)
        return Locations(rows: Array(rows.prefix(kept)), columns: Array(columns.prefix(kept)))
    }

    /// The drawing's hypercolumns [locations, 2179] at `locations` of its layers, differentiable
    /// with respect to the layers. As the reference's `spatial_feature_extract`: positions halve
    /// (as real numbers) wherever a layer is shorter than the one before, and each layer is read
    /// bilinearly there, neighbours clamped to the layer's edge.
    @_spi(StepParity)
    public static func sample(_ layers: [Tensor], at locations: Locations) -> Tensor {
        var rows = locations.rows.map(Double.init), columns = locations.columns.map(Double.init)
        var columnsRead: [Tensor] = []
        for (index, layer) in layers.enumerated() {
            if index > 0, layers[index - 1].shape[2] > layer.shape[2] {
                rows = rows.map { $0 / 2 }
                columns = columns.map { $0 / 2 }
            }
            columnsRead.append(bilinear(layer, rows: rows, columns: columns))
        }
        return concat(columnsRead, axis: 1)
    }

    /// `layer` [1, C, h, w] read at fractional (row, column) positions: [positions, C].
    private static func bilinear(_ layer: Tensor, rows: [Double], columns: [Double]) -> Tensor {
        let height = layer.shape[2], width = layer.shape[3]
        let pixels = pixelRows(layer)
        var corners: [(indices: [Int], weights: [Float])] = Array(repeating: ([], []), count: 4)
        for (row, column) in zip(rows, columns) {
            let row0 = row.rounded(.down), column0 = column.rounded(.down)
            let rowFraction = row - row0, columnFraction = column - column0
            let top = min(max(Int(row0), 0), height - 1), left = min(max(Int(column0), 0), width - 1)
            let bottom = min(top + 1, height - 1), right = min(left + 1, width - 1)
            let entries: [(Int, Double)] = [
                (top * width + left, (1 - rowFraction) * (1 - columnFraction)),
                (top * width + right, (1 - rowFraction) * columnFraction),
                (bottom * width + left, rowFraction * (1 - columnFraction)),
                (bottom * width + right, rowFraction * columnFraction),
            ]
            for (corner, entry) in entries.enumerated() {
                corners[corner].indices.append(entry.0)
                corners[corner].weights.append(Float(entry.1))
            }
        }
        let weighted = corners.map { pixels.gatherRows($0.indices) * Tensor(shape: [rows.count, 1], values: $0.weights) }
        return weighted.dropFirst().reduce(weighted[0], +)
    }

    /// [1, C, h, w] as one row per pixel: [h·w, C].
    private static func pixelRows(_ layer: Tensor) -> Tensor {
        layer.reshaped([layer.shape[1], layer.shape[2] * layer.shape[3]]).permuted([1, 0])
    }

    // MARK: The style image's hypercolumns

    /// Pixels of the style image whose hypercolumns stand for its style: per round, the first
    /// `count` of a random permutation of all (row, column) pairs, as the reference's
    /// `forward_samples_hypercolumn` draws them (it runs 5 rounds of 1000).
    @_spi(StepParity)
    public static func sampleStylePixels(height: Int, width: Int, rounds: Int, count: Int, generator: inout SeededGenerator) -> [Locations]
    {
        (0..<rounds).map { _ in
            var pixels = Array(0..<(height * width))
            let kept = min(count, pixels.count)
            partialShuffle(&pixels, first: kept, generator: &generator)
            // meshgrid(arange(H), arange(W)) flattened: pixel k is row k mod H, column k div H.
            return Locations(rows: pixels.prefix(kept).map { $0 % height }, columns: pixels.prefix(kept).map { $0 / height })
        }
    }

    /// The style image's hypercolumns [Σ pixels, 2179] at `pixels` (one entry per round), with no
    /// gradient. As `forward_samples_hypercolumn`: positions halve wherever a layer is shorter and
    /// are then clamped and truncated to whole pixels (no interpolation).
    static func sampleStyle(_ layers: [Tensor], at pixels: [Locations]) -> Tensor {
        concat(
            pixels.map { round in
                var rows = round.rows.map(Double.init), columns = round.columns.map(Double.init)
                var read: [Tensor] = []
                for (index, layer) in layers.enumerated() {
                    if index > 0, layer.shape[2] < layers[index - 1].shape[2] {
                        rows = rows.map { $0 / 2 }
                        columns = columns.map { $0 / 2 }
                    }
                    rows = rows.map { min(max($0, 0), Double(layer.shape[2] - 1)).rounded(.towardZero) }
                    columns = columns.map { min(max($0, 0), Double(layer.shape[3] - 1)).rounded(.towardZero) }
                    let width = layer.shape[3]
                    read.append(pixelRows(layer).gatherRows(zip(rows, columns).map { Int($0) * width + Int($1) }))
                }
                return concat(read, axis: 1)
            }, axis: 0
        ).detached()
    }

    /// Moves a uniformly random choice of `values` into the first `first` places, in random order
    /// (the first `first` swaps of a Fisher–Yates shuffle).
    private static func partialShuffle(_ values: inout [Int], first: Int, generator: inout SeededGenerator) {
        for index in 0..<min(first, max(values.count - 1, 0)) {
            values.swapAt(index, index + generator.nextInt(below: values.count - index))
        }
    }
}
