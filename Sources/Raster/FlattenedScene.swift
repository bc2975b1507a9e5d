import Scene

/// The scene in output pixels, as the coverage kernels read it: every path flattened into a
/// polyline whose every vertex is a fixed blend of its cubic's four control points, so a
/// vertex's gradient maps back to the control points through the same weights.
///
/// This is also what the forward pass caches for the backward pass: the backward recomputes
/// coverage from exactly these polylines, so the gradient is that of the image the forward made.
final class FlattenedScene {
    /// Pixels per canvas unit, horizontally and vertically.
    let scaleX: Float
    let scaleY: Float
    /// Pixels per canvas unit for stroke widths (the geometric mean of the two scales; exact when
    /// the output keeps the canvas's aspect ratio).
    let widthScale: Float

    let paths: [FlatPath]
    /// Polyline vertices and, for each vertex that is not the last of its path, the edge to the
    /// next vertex (`edges[v]` runs from vertex `v` to `v + 1`).
    let vertexCount: Int
    let edges: UnsafeMutablePointer<Edge>
    /// The cubic each vertex belongs to, and the weights of its control points in the vertex.
    let vertexCubic: UnsafeMutablePointer<Int32>
    let vertexWeights: UnsafeMutablePointer<SIMD4<Float>>
    /// Per cubic: global indices of its four control points, their positions, how it was cut,
    /// and its vertex at t = 0 (vertices `cubicFirstVertex[c] + 0...pieces` lie on it).
    let cubicPoints: [SIMD4<Int32>]
    let cubicControl: [ControlPoints]
    let cubicSubdivision: [Subdivision]
    let cubicFirstVertex: [Int]

    /// Flattens `parameters` for a `width × height` output, each cubic within about `tolerance`
    /// pixels (`Subdivision`).
    init(_ parameters: SceneParameters, width: Int, height: Int, tolerance: Float) {
        scaleX = Float(width) / Float(parameters.canvasWidth)
        scaleY = Float(height) / Float(parameters.canvasHeight)
        widthScale = (scaleX * scaleY).squareRoot()
        let coordinates = parameters.points.pointer
        let widths = parameters.strokeWidths.pointer
        let strokeColors = parameters.strokeColors.pointer, fillColors = parameters.fillColors.pointer

        var cubics: [SIMD4<Int32>] = []
        var controls: [ControlPoints] = []
        var subdivisions: [Subdivision] = []
        var firstVertices: [Int] = []
        var total = 0
        for layout in parameters.paths where layout.segmentCount > 0 {
            total += 1
            for segment in 0..<layout.segmentCount {
                let first = layout.firstPoint + 3 * segment
                let last = layout.isClosed && segment == layout.segmentCount - 1 ? layout.firstPoint : first + 3
                let indices = SIMD4<Int32>(Int32(first), Int32(first + 1), Int32(first + 2), Int32(last))
                let control = Self.controlPoints(indices, coordinates, scaleX, scaleY)
                let subdivision = Subdivision(control, tolerance: tolerance)
                cubics.append(indices)
                controls.append(control)
                subdivisions.append(subdivision)
                firstVertices.append(total - 1)
                total += subdivision.pieces
            }
        }
        cubicPoints = cubics
        cubicControl = controls
        cubicSubdivision = subdivisions
        cubicFirstVertex = firstVertices
        vertexCount = total
        edges = .allocate(capacity: max(vertexCount, 1))
        vertexCubic = .allocate(capacity: max(vertexCount, 1))
        vertexWeights = .allocate(capacity: max(vertexCount, 1))

        var flatPaths: [FlatPath] = []
        var vertex = 0, cubic = 0
        for (pathIndex, layout) in parameters.paths.enumerated() {
            let firstVertex = vertex
            var bounds = Bounds.empty
            for segment in 0..<layout.segmentCount {
                let control = cubicControl[cubic], subdivision = cubicSubdivision[cubic]
                for piece in (segment == 0 ? 0 : 1)...subdivision.pieces {
                    let weights = subdivision.weights(ofVertex: piece)
                    let position = Self.blend(control, weights)
                    edges[vertex] = Edge(start: position)
                    vertexCubic[vertex] = Int32(cubic)
                    vertexWeights[vertex] = weights
                    bounds.include(position)
                    vertex += 1
                }
                cubic += 1
            }
            for v in firstVertex..<max(firstVertex, vertex - 1) {
                edges[v].end(at: edges[v + 1].start)
            }
            let strokeColor = SIMD4(UnsafeBufferPointer(start: strokeColors + 4 * pathIndex, count: 4))
            let fillColor = SIMD4(UnsafeBufferPointer(start: fillColors + 4 * pathIndex, count: 4))
            let width = widths[pathIndex]
            flatPaths.append(
                FlatPath(
                    firstVertex: firstVertex, vertexEnd: vertex,
                    radius: max(0, 0.5 * width * widthScale),
                    isStroked: layout.isStroked && width > 0, strokeColor: strokeColor,
                    isFilled: layout.isFilled, fillColor: fillColor, isEvenOdd: layout.fillRule == .evenOdd,
                    bounds: bounds))
        }
        paths = flatPaths
    }

    deinit {
        edges.deallocate()
        vertexCubic.deallocate()
        vertexWeights.deallocate()
    }

    static func blend(_ control: ControlPoints, _ weights: SIMD4<Float>) -> SIMD2<Float> {
        let start = weights[0] * control.0 + weights[1] * control.1
        return start + weights[2] * control.2 + weights[3] * control.3
    }

    private static func controlPoints(
        _ indices: SIMD4<Int32>, _ coordinates: UnsafePointer<Float>, _ scaleX: Float, _ scaleY: Float
    ) -> ControlPoints {
        let scale = SIMD2(scaleX, scaleY)
        func point(_ index: Int32) -> SIMD2<Float> {
            SIMD2(coordinates[2 * Int(index)], coordinates[2 * Int(index) + 1]) * scale
        }
        return (point(indices[0]), point(indices[1]), point(indices[2]), point(indices[3]))
    }
}

/// The cubic Bernstein weights of the four control points at `t`.
@inline(__always)
func bernstein(_ t: Float) -> SIMD4<Float> {
    let s = 1 - t
    return SIMD4(s * s * s, 3 * t * s * s, 3 * t * t * s, t * t * t)
}

/// A cubic's four control points, in pixels.
typealias ControlPoints = (SIMD2<Float>, SIMD2<Float>, SIMD2<Float>, SIMD2<Float>)

/// How one cubic is cut into a polyline.
///
/// Uniform pieces in t keep a polyline within max|B''| / (8 n²) of the curve, and |B''| is at
/// most 6 × the largest second difference of the control points (the bend): that bound asks for
/// ν = √(0.75 · bend / tolerance) pieces. The count must change with the control points, yet the
/// image must not jump when it does (a jump would also break the gradient as a derivative of the
/// image). So the count is the power of two n ≥ ν (at least `minimumPieces`), whose vertices
/// include those of n / 2; the vertices new at this level (the odd ones) fade from the midpoints
/// of the coarser polyline's chords onto the curve as ν grows from n / 2 to n, so the polyline
/// moves smoothly as ν crosses a power of two. (Halfway, the error can reach about 1.4 × the
/// tolerance.) The fade is part of the geometry: its gradient flows back to the control points
/// too (`fadeGradient`).
struct Subdivision {
    /// Nearly straight cubics ask for few pieces, and there ν changes fastest with the control
    /// points: a fade from 1 to 2 pieces would swing its vertex across its whole range within a
    /// fraction of a pixel of control-point motion. Eight pieces serve every cubic whose bend is
    /// under 85 tolerances (8.5 pixels at the default), so fades start where they are gentle.
    static let minimumPieces = 8

    let pieces: Int
    /// 0 to 1: how far the odd vertices have moved from the coarser chords onto the curve.
    let fade: Float
    /// d fade / d control point, in pixels; zero where the fade is settled.
    let fadeGradient: ControlPoints

    init(_ control: ControlPoints, tolerance: Float) {
        let first = control.0 - 2 * control.1 + control.2, second = control.1 - 2 * control.2 + control.3
        let firstLength = (first * first).sum().squareRoot(), secondLength = (second * second).sum().squareRoot()
        let bend = max(firstLength, secondLength)
        let limit = max(tolerance, 1e-3)
        let wanted = (0.75 * bend / limit).squareRoot()
        let needed = wanted.isFinite ? min(wanted, 256) : 1
        var pieces = Self.minimumPieces
        while Float(pieces) < needed { pieces *= 2 }
        self.pieces = pieces
        let coarse = Float(pieces / 2)
        guard pieces > Self.minimumPieces, needed < 256 else {
            fade = 1
            fadeGradient = (.zero, .zero, .zero, .zero)
            return
        }
        // fade = smoothstep(x), x = ν / coarse − 1. Smoothstep has zero slope at both ends, so the
        // vertices' velocity does not jump either when ν crosses a power of two.
        let x = needed / coarse - 1
        fade = x * x * (3 - 2 * x)
        let slope = 6 * x * (1 - x) / coarse * 0.375 / (limit * needed)
        if firstLength >= secondLength {
            let direction = first * (slope / max(firstLength, 1e-12))
            fadeGradient = (direction, -2 * direction, direction, .zero)
        } else {
            let direction = second * (slope / max(secondLength, 1e-12))
            fadeGradient = (.zero, direction, -2 * direction, direction)
        }
    }

    /// Whether the odd vertices are between chord and curve (and move with the fade).
    var isFading: Bool { fade < 1 }

    /// Control-point weights of vertex `index` (0...pieces).
    func weights(ofVertex index: Int) -> SIMD4<Float> {
        let onCurve = bernstein(Float(index) / Float(pieces))
        guard index % 2 == 1, isFading else { return onCurve }
        return fade * onCurve + (1 - fade) * chordMidpointWeights(index)
    }

    /// d(vertex)/d(fade) of odd vertex `index`, as control-point weights: curve minus chord.
    func fadeDirectionWeights(ofVertex index: Int) -> SIMD4<Float> {
        bernstein(Float(index) / Float(pieces)) - chordMidpointWeights(index)
    }

    private func chordMidpointWeights(_ index: Int) -> SIMD4<Float> {
        0.5 * (bernstein(Float(index - 1) / Float(pieces)) + bernstein(Float(index + 1) / Float(pieces)))
    }
}

/// One flattened path with its style, in pixels.
struct FlatPath {
    /// Vertices `firstVertex..<vertexEnd`; edges `firstVertex..<vertexEnd - 1`.
    let firstVertex: Int
    let vertexEnd: Int
    /// Half the stroke width.
    let radius: Float
    let isStroked: Bool
    let strokeColor: SIMD4<Float>
    let isFilled: Bool
    let fillColor: SIMD4<Float>
    let isEvenOdd: Bool
    /// Of the polyline, before any widening.
    let bounds: Bounds

    var edgeRange: Range<Int> { firstVertex..<max(firstVertex, vertexEnd - 1) }

    /// How far from the polyline this path can cover a pixel centre: the stroke's radius plus
    /// its antialiasing ramp (a fill covers pixels at most half a pixel beyond its outline).
    var reach: Float { (isStroked ? radius : 0) + EdgeProfile.reach }
}

/// A polyline edge with what the distance and area kernels need precomputed.
struct Edge {
    var startX: Float
    var startY: Float
    var deltaX: Float = 0
    var deltaY: Float = 0
    /// 1 / |delta|², or 0 for a zero-length edge (its nearest point is then its start).
    var inverseLengthSquared: Float = 0

    init(start: SIMD2<Float>) {
        startX = start.x
        startY = start.y
    }

    var start: SIMD2<Float> { SIMD2(startX, startY) }

    mutating func end(at end: SIMD2<Float>) {
        deltaX = end.x - startX
        deltaY = end.y - startY
        let lengthSquared = deltaX * deltaX + deltaY * deltaY
        inverseLengthSquared = lengthSquared > 1e-12 ? 1 / lengthSquared : 0
    }

    var minX: Float { min(startX, startX + deltaX) }
    var maxX: Float { max(startX, startX + deltaX) }
    var minY: Float { min(startY, startY + deltaY) }
    var maxY: Float { max(startY, startY + deltaY) }
}

/// An axis-aligned box in pixels.
struct Bounds {
    var minX: Float
    var minY: Float
    var maxX: Float
    var maxY: Float

    static let empty = Bounds(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)

    mutating func include(_ point: SIMD2<Float>) {
        minX = min(minX, point.x)
        minY = min(minY, point.y)
        maxX = max(maxX, point.x)
        maxY = max(maxY, point.y)
    }
}
