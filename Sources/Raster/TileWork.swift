/// One worker's view of the tile it is drawing: for each path the tile lists, the edges that can
/// matter inside it. Built once per tile and then read by all 16 rows (forward and backward), so
/// rows test only a handful of nearby edges.
struct TilePath {
    let path: Int
    // Ranges into `TileWork.edgeList`.
    /// Edges whose stroke (radius + antialiasing ramp) reaches the tile.
    var strokeEdges: Range<Int> = 0..<0
    /// Edges of a fill that overlap the tile's rows and do not lie wholly left of it (such an
    /// edge adds to the winding number of nothing in the tile: only of points left of it).
    var crossingEdges: Range<Int> = 0..<0
    /// Rows of the tile (0..<16) the path may cover.
    var rows: Range<Int> = 0..<0
}

/// Scratch a worker reuses from tile to tile; sized once per render, never per pixel.
final class TileWork {
    private(set) var tileX = 0
    private(set) var tileY = 0
    /// Rows of this tile inside the image.
    private(set) var rowCount = 0
    private(set) var tilePaths: [TilePath] = []
    private(set) var edgeList: [Int32] = []
    /// Fragments of one row, back to front (the backward pass's record of the forward).
    let fragments: UnsafeMutablePointer<Fragment>

    init(largestTileList: Int) {
        tilePaths.reserveCapacity(largestTileList)
        edgeList.reserveCapacity(64 * max(largestTileList, 1))
        fragments = .allocate(capacity: max(2 * largestTileList, 1))
    }

    deinit { fragments.deallocate() }

    /// Culls the edges of the tile's paths against tile `tile` of `grid`.
    func prepare(tile: Int, grid: TileGrid, scene: FlattenedScene) {
        tileX = (tile % grid.columns) * TileGrid.size
        tileY = (tile / grid.columns) * TileGrid.size
        rowCount = min(TileGrid.size, grid.height - tileY)
        tilePaths.removeAll(keepingCapacity: true)
        edgeList.removeAll(keepingCapacity: true)
        // Pixel centres of the tile (strokes are measured from them; fills cover pixel squares).
        let left = Float(tileX) + 0.5, right = left + Float(TileGrid.size - 1)
        let top = Float(tileY) + 0.5, bottom = top + Float(rowCount - 1)
        let edges = scene.edges
        for listed in grid.pathOffsets[tile]..<grid.pathOffsets[tile + 1] {
            let pathIndex = Int(grid.pathIndices[listed])
            let path = scene.paths[pathIndex]
            var entry = TilePath(path: pathIndex)
            func collect(where keep: (Edge) -> Bool) -> Range<Int> {
                let start = edgeList.count
                for e in path.edgeRange where keep(edges[e]) { edgeList.append(Int32(e)) }
                return start..<edgeList.count
            }
            func reaches(_ edge: Edge, _ reach: Float) -> Bool {
                edge.minX - reach <= right && edge.maxX + reach >= left && edge.minY - reach <= bottom
                    && edge.maxY + reach >= top
            }
            if path.isStroked {
                let reach = path.radius + EdgeProfile.reach
                entry.strokeEdges = collect { reaches($0, reach) }
            }
            if path.isFilled {
                let squaresTop = Float(tileY), squaresBottom = Float(tileY + rowCount), squaresLeft = Float(tileX)
                entry.crossingEdges = collect {
                    $0.minY < squaresBottom && $0.maxY >= squaresTop && $0.maxX >= squaresLeft
                }
            }
            guard !entry.strokeEdges.isEmpty || !entry.crossingEdges.isEmpty else { continue }
            let reach = path.reach
            let firstRow = max(0, (path.bounds.minY - reach - top).rounded(.up))
            let lastRow = min(Float(rowCount - 1), (path.bounds.maxY + reach - top).rounded(.down))
            guard firstRow <= lastRow else { continue }
            entry.rows = Int(firstRow)..<Int(lastRow) + 1
            tilePaths.append(entry)
        }
    }
}

/// One path's fill or stroke on one row, with the colour under it (premultiplied), as the
/// backward pass needs it: d(over)/d(alpha) = colour − colour below.
struct Fragment {
    var covered: RowCoverage
    var below: PremultipliedLanes
    /// Index into `TileWork.tilePaths`.
    var entry: Int
    var isStroke: Bool
}

/// Premultiplied RGBA of a tile row.
struct PremultipliedLanes {
    var red: Lanes
    var green: Lanes
    var blue: Lanes
    var alpha: Lanes

    init(_ color: SIMD4<Float>) {
        red = Lanes(repeating: color.x * color.w)
        green = Lanes(repeating: color.y * color.w)
        blue = Lanes(repeating: color.z * color.w)
        alpha = Lanes(repeating: color.w)
    }

    /// Porter–Duff "over" of an un-premultiplied `color` at `coverage`.
    @inline(__always)
    mutating func composite(_ color: SIMD4<Float>, coverage: Lanes) {
        let opacity = coverage * color.w
        let keep = 1 - opacity
        red = red * keep + opacity * color.x
        green = green * keep + opacity * color.y
        blue = blue * keep + opacity * color.z
        alpha = alpha * keep + opacity
    }
}
