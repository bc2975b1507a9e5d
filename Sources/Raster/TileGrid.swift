/// Spatial binning: the output is cut into 16 × 16 pixel tiles, and each tile lists, back to
/// front, the paths whose widened bounding box touches it. A tile's pixels then visit only those
/// paths, so the cost grows with the area the paths cover, not with paths × pixels.
struct TileGrid {
    /// Tile side in pixels; also the SIMD width of a tile row (`Lanes`).
    static let size = 16

    let width: Int
    let height: Int
    let columns: Int
    let rows: Int
    /// Tile `t` (row-major) lists `pathIndices[pathOffsets[t]..<pathOffsets[t + 1]]`.
    let pathOffsets: [Int]
    let pathIndices: [Int32]

    init(_ scene: FlattenedScene, width: Int, height: Int) {
        self.width = width
        self.height = height
        columns = (width + Self.size - 1) / Self.size
        rows = (height + Self.size - 1) / Self.size
        let tileRanges = scene.paths.map { [columns, rows] path in
            Self.tiles(touching: path.bounds, reach: path.reach, columns: columns, rows: rows)
        }
        var counts = [Int](repeating: 0, count: columns * rows + 1)
        for range in tileRanges {
            for row in range.rows { for column in range.columns { counts[row * columns + column + 1] += 1 } }
        }
        for tile in 0..<columns * rows { counts[tile + 1] += counts[tile] }
        pathOffsets = counts
        var next = Array(counts.dropLast())
        var indices = [Int32](repeating: 0, count: counts[columns * rows])
        for (path, range) in tileRanges.enumerated() {
            for row in range.rows {
                for column in range.columns {
                    indices[next[row * columns + column]] = Int32(path)
                    next[row * columns + column] += 1
                }
            }
        }
        pathIndices = indices
    }

    var tileCount: Int { columns * rows }

    /// The most paths any one tile lists (sizes the per-worker scratch).
    var largestTileList: Int {
        (0..<tileCount).reduce(0) { max($0, pathOffsets[$1 + 1] - pathOffsets[$1]) }
    }

    /// Tiles whose pixel centres come within `reach` of `bounds`. Tile column `c` holds pixel
    /// centres 16c + 0.5 ... 16c + 15.5.
    private static func tiles(touching bounds: Bounds, reach: Float, columns: Int, rows: Int) -> (
        columns: Range<Int>, rows: Range<Int>
    ) {
        guard bounds.minX <= bounds.maxX else { return (0..<0, 0..<0) }
        func span(_ low: Float, _ high: Float, _ count: Int) -> Range<Int> {
            let size = Float(Self.size)
            let first = max(0, ((low - reach - (size - 0.5)) / size).rounded(.up))
            let last = min(Float(count - 1), ((high + reach - 0.5) / size).rounded(.down))
            return first <= last ? Int(first)..<Int(last) + 1 : 0..<0
        }
        return (span(bounds.minX, bounds.maxX, columns), span(bounds.minY, bounds.maxY, rows))
    }
}
