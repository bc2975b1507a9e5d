// Fill coverage: the exact area of each pixel square inside the outline, from signed areas.
//
// An edge of the outline, oriented as the outline runs, adds its direction (+1 where y grows
// along it, −1 where it falls) to the winding number of every point left of it (a ray towards
// +x from such a point crosses it). Integrated over a pixel square [X, X+1] × [Y, Y+1], that is
// the direction times the area of the square left of the edge within the edge's y-range; summed
// over the outline, the winding-weighted area A of the square. The nonzero rule covers
// min(|A|, 1) of the pixel, even-odd the triangle wave of |A| with period 2: the exact area
// wherever the winding number within a pixel takes two adjacent values (0 and ±1, or n and
// n + 1), which is every pixel except where separate parts of the outline meet.
//
// For an edge from (x0, y0) to (x1, y1) = (x0 + Δx, y0 + Δy), parametrised by τ ∈ [0, 1], with
// [τa, τb] the part inside the row's band and v(τ) = x0 + τ Δx − X:
//     A_edge = Δy ∫[τa, τb] clamp(v(τ), 0, 1) dτ = Δy (H(v(τb)) − H(v(τa))) / Δx,
// H the antiderivative of the clamp. Its derivatives (`areaDerivatives`) follow by Leibniz's
// rule: through v (the x coordinates), through Δy, and through τa, τb where the band's top or
// bottom (rather than an endpoint) cuts the edge.

/// The part of an edge inside one pixel row's band [top, top + 1], as a range of its parameter.
///
/// A vertex exactly on a row boundary counts as lying in the row below it (as if nudged by an
/// infinitesimal +y), consistently for both edges that meet there; so an edge that merely
/// touches the band from above still crosses it, with zero length, and its derivative terms
/// (it would enter the band as the vertex moves up) are not lost.
struct BandCrossing {
    let start: Float
    let end: Float
    /// Whether `start` / `end` is where the band's top or bottom cuts the edge (so moving the
    /// edge's y coordinates moves it) rather than an endpoint of the edge.
    let startIsCut: Bool
    let endIsCut: Bool

    /// nil when the edge misses the band. A horizontal edge inside the band crosses it whole (it
    /// encloses no area, but tilting it would).
    @inline(__always)
    init?(_ edge: Edge, top: Float) {
        let bottom = top + 1
        guard edge.minY < bottom, edge.maxY >= top else { return nil }
        guard edge.deltaY != 0 else {
            (start, end, startIsCut, endIsCut) = (0, 1, false, false)
            return
        }
        let inverse = 1 / edge.deltaY
        let atTop = (top - edge.startY) * inverse, atBottom = (bottom - edge.startY) * inverse
        if edge.deltaY > 0 {
            // Enters through the top (unless it starts inside), leaves through the bottom.
            (start, startIsCut) = (max(atTop, 0), atTop > 0)
            (end, endIsCut) = (min(atBottom, 1), atBottom <= 1)
        } else {
            // Enters through the bottom, leaves through the top.
            (start, startIsCut) = (max(atBottom, 0), atBottom >= 0)
            (end, endIsCut) = (min(atTop, 1), atTop < 1)
        }
        guard start <= end else { return nil }
    }
}

/// Below this |Δx| · (τb − τa) an edge counts as vertical within the band: the clamp is then
/// evaluated at the midpoint instead of as a difference quotient of H, which would cancel.
private let verticalSlack: Float = 1e-3

/// ∫[τa, τb] clamp(v(τ), 0, 1) dτ for each pixel of the row: the fraction of the band's part of
/// the edge weighted by how much of the pixel lies left of it.
@inline(__always)
func leftArea(_ edge: Edge, _ band: BandCrossing, _ row: RowPosition) -> Lanes {
    let startX = edge.startX + band.start * edge.deltaX, endX = edge.startX + band.end * edge.deltaX
    let v0 = startX - row.left, v1 = endX - row.left
    let span = band.end - band.start
    var area: Lanes
    if abs(edge.deltaX) * span > verticalSlack {
        area = (antiderivative(v1) - antiderivative(v0)) * (1 / edge.deltaX)
        // Pixels wholly left of the edge: exactly the span, without the cancellation.
        area.replace(with: span, where: (v0 .>= 1) .& (v1 .>= 1))
    } else {
        area = clampUnit(0.5 * (v0 + v1)) * span
    }
    return area
}

/// H(v) = ∫ clamp(v, 0, 1) dv, with H(0) = 0.
@inline(__always)
private func antiderivative(_ v: Lanes) -> Lanes {
    let inside = clampUnit(v)
    return 0.5 * inside * inside + maximum(v - 1, .zero)
}

/// Σ over the row of `areaGradient` × d(A_edge)/d(x0, y0, x1, y1).
@inline(__always)
func areaDerivatives(_ edge: Edge, _ band: BandCrossing, _ row: RowPosition, _ areaGradient: Lanes) -> SIMD4<Float> {
    let startX = edge.startX + band.start * edge.deltaX, endX = edge.startX + band.end * edge.deltaX
    let v0 = startX - row.left, v1 = endX - row.left
    let span = band.end - band.start
    // ∫ slope(v) dτ and ∫ τ slope(v) dτ over [τa, τb], slope = 1 where 0 < v < 1.
    let rampLength: Lanes, rampMoment: Lanes
    if abs(edge.deltaX) * span > verticalSlack {
        let inverse = 1 / edge.deltaX
        let atZero = (row.left - edge.startX) * inverse, atOne = (row.left + 1 - edge.startX) * inverse
        let low = maximum(minimum(atZero, atOne), Lanes(repeating: band.start))
        let high = maximum(minimum(maximum(atZero, atOne), Lanes(repeating: band.end)), low)
        rampLength = high - low
        rampMoment = 0.5 * (high * high - low * low)
    } else {
        // A vertical edge exactly on a pixel boundary counts as just right of it (+x, as a vertex
        // on a row boundary counts as just below it).
        let middle = 0.5 * (v0 + v1)
        let inRamp = Lanes.zero.replacing(with: 1, where: (middle .>= 0) .& (middle .< 1))
        rampLength = span * inRamp
        rampMoment = 0.5 * (band.end * band.end - band.start * band.start) * inRamp
    }
    let area = leftArea(edge, band, row)
    // Leibniz terms of the cut ends: dτ/dy0 = −(1 − τ)/Δy, dτ/dy1 = −τ/Δy, times Δy.
    let startCover = band.startIsCut ? clampUnit(v0) : .zero
    let endCover = band.endIsCut ? clampUnit(v1) : .zero
    let dx0 = edge.deltaY * (rampLength - rampMoment)
    let dx1 = edge.deltaY * rampMoment
    let dy0 = startCover * (1 - band.start) - endCover * (1 - band.end) - area
    let dy1 = startCover * band.start - endCover * band.end + area
    return SIMD4(
        (areaGradient * dx0).sum(), (areaGradient * dy0).sum(), (areaGradient * dx1).sum(),
        (areaGradient * dy1).sum())
}

/// The row's winding-weighted areas from the listed edges; nil when no edge crosses the row.
@inline(__always)
func windingAreas(_ row: RowPosition, edges: UnsafePointer<Edge>, list: UnsafePointer<Int32>, _ range: Range<Int>)
    -> Lanes?
{
    var area = Lanes.zero
    var crossed = false
    for k in range {
        let edge = edges[Int(list[k])]
        guard edge.deltaY != 0, let band = BandCrossing(edge, top: row.top) else { continue }
        area += edge.deltaY * leftArea(edge, band, row)
        crossed = true
    }
    return crossed ? area : nil
}

/// Coverage under the fill rule from the winding-weighted area.
@inline(__always)
func fillRuleCoverage(_ area: Lanes, isEvenOdd: Bool) -> Lanes {
    let magnitude = maximum(area, -area)
    guard isEvenOdd else { return minimum(magnitude, .one) }
    let phase = magnitude - 2 * (0.5 * magnitude).rounded(.down)
    return 1 - maximum(1 - phase, phase - 1)
}

/// d coverage / d area of `fillRuleCoverage`.
@inline(__always)
func fillRuleSlope(_ area: Lanes, isEvenOdd: Bool) -> Lanes {
    let sign = Lanes(repeating: -1).replacing(with: 1, where: area .>= 0)
    let magnitude = maximum(area, -area)
    guard isEvenOdd else { return Lanes.zero.replacing(with: sign, where: magnitude .< 1) }
    let phase = magnitude - 2 * (0.5 * magnitude).rounded(.down)
    return (-sign).replacing(with: sign, where: phase .< 1)
}

/// A fill bounded by the path's closed polyline; nil where it covers nothing.
@inline(__always)
func fillCoverage(
    _ row: RowPosition, isEvenOdd: Bool, edges: UnsafePointer<Edge>, list: UnsafePointer<Int32>, _ range: Range<Int>
) -> RowCoverage? {
    guard let area = windingAreas(row, edges: edges, list: list, range) else { return nil }
    let coverage = fillRuleCoverage(area, isEvenOdd: isEvenOdd)
    guard any(coverage .> 0) else { return nil }
    return RowCoverage(coverage: coverage, windingArea: area)
}
