// Coverage of one tile row (16 pixels, one SIMD lane each) by one path's fill or stroke: the
// fraction of each pixel's square the shape covers (a box filter), as a differentiable function
// of the geometry.
// - Fills (`FillCoverage.swift`): the exact area, from the signed areas the outline's edges
//   enclose in the row, under the nonzero or even-odd rule. (Cairo computes areas too, exactly
//   across a pixel row and from 15 samples down it.)
// - Strokes (`StrokeCoverage.swift`): the points within `radius` of the curve. From the distance
//   `d` of the pixel centre to the polyline, coverage = edge(r − d) − edge(−r − d), the part of
//   the pixel between the band's two sides, where edge(s) is the area a straight boundary at
//   signed distance `s` leaves inside the pixel (`EdgeProfile`).
// Both are continuous in the geometry, so their derivatives carry the boundary term of the
// gradient: moving an edge changes the partly covered pixels along it.

/// One value per pixel of a tile row.
typealias Lanes = SIMD16<Float>
typealias LaneIndices = SIMD16<Int32>

/// One tile row: 16 pixels side by side.
struct RowPosition {
    /// Pixel centres.
    let x: Lanes
    let y: Float
    /// Pixel squares: [left, left + 1] × [top, top + 1].
    let left: Lanes
    let top: Float

    static let laneOffsets = Lanes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    init(tileX: Int, y: Int) {
        left = Lanes(repeating: Float(tileX)) + Self.laneOffsets
        top = Float(y)
        x = left + 0.5
        self.y = top + 0.5
    }
}

/// What the compositor and the backward pass need of one path's fill or stroke on one row.
struct RowCoverage {
    var coverage: Lanes
    /// Strokes: distance from the pixel centre to the polyline, and where its closest point lies.
    var distance = Lanes.zero
    var nearest = Nearest()
    /// Fills: the winding-weighted area of each pixel (coverage before the fill rule).
    var windingArea = Lanes.zero
}

// Lane-wise minimum and maximum as compare-and-select, which compiles to vector instructions;
// the standard library's `pointwiseMin`/`pointwiseMax` keep IEEE NaN semantics lane by lane in a
// call that costs as much as the rest of a coverage evaluation.
@inline(__always)
func minimum(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .< a) }

@inline(__always)
func maximum(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .> a) }

@inline(__always)
func clampUnit(_ x: Lanes) -> Lanes { minimum(maximum(x, .zero), .one) }
