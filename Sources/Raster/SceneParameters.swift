import Scene
import Tensor

/// The optimisable quantities of a scene, as tensors the optimiser updates in place.
///
/// The topology (how many points each path has, open or closed, stroked or filled, fill rule) is
/// fixed; the values are tensors. Units follow `Scene`: canvas coordinates, `strokeWidths` are
/// FULL widths (the rasterizer halves them into radii), colours are un-premultiplied RGBA.
/// A quantity that is not optimised is a frozen tensor (`requiresGrad == false`): no gradient is
/// computed for it. CLIPasso optimises `.points` only; CLIPDraw points, widths and stroke colours.
public struct SceneParameters {
    /// Canvas size in canvas units, as in `Scene`.
    public let canvasWidth: Int
    public let canvasHeight: Int
    /// Drawn under every path; `nil` is transparent.
    public var background: RGBA?
    /// Which rows of the tensors belong to which path, back to front.
    public let paths: [PathLayout]
    /// Control points of all paths, path after path: [pointCount, 2] as (x, y).
    public let points: Tensor
    /// Full stroke width per path: [pathCount].
    public let strokeWidths: Tensor
    /// Un-premultiplied RGBA per path: [pathCount, 4]. Rows of unstroked paths are unused.
    public private(set) var strokeColors: Tensor
    /// Un-premultiplied RGBA per path: [pathCount, 4]. Rows of unfilled paths are unused.
    public private(set) var fillColors: Tensor

    /// The quantities an optimiser may change.
    public struct Quantities: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let points = Quantities(rawValue: 1)
        public static let strokeWidths = Quantities(rawValue: 2)
        public static let strokeColors = Quantities(rawValue: 4)
        public static let fillColors = Quantities(rawValue: 8)
        public static let all: Quantities = [.points, .strokeWidths, .strokeColors, .fillColors]
    }

    /// Copies the values of `scene` into tensors; those in `optimising` require gradients.
    public init(_ scene: Scene, optimising: Quantities = .all) {
        canvasWidth = scene.width
        canvasHeight = scene.height
        background = scene.background
        var layouts: [PathLayout] = []
        var coordinates: [Float] = []
        var widths: [Float] = []
        var strokes: [Float] = []
        var fills: [Float] = []
        for path in scene.paths {
            layouts.append(
                PathLayout(
                    firstPoint: coordinates.count / 2, pointCount: path.points.count, isClosed: path.isClosed,
                    isStroked: path.strokeColor != nil, isFilled: path.isClosed && path.fillColor != nil,
                    fillRule: path.fillRule))
            for point in path.points { coordinates += [point.x, point.y] }
            widths.append(path.strokeWidth)
            strokes += Self.channels(path.strokeColor)
            fills += Self.channels(path.fillColor)
        }
        paths = layouts
        points = Tensor(
            shape: [coordinates.count / 2, 2], values: coordinates, requiresGrad: optimising.contains(.points))
        strokeWidths = Tensor(shape: [layouts.count], values: widths, requiresGrad: optimising.contains(.strokeWidths))
        strokeColors = Tensor(
            shape: [layouts.count, 4], values: strokes, requiresGrad: optimising.contains(.strokeColors))
        fillColors = Tensor(shape: [layouts.count, 4], values: fills, requiresGrad: optimising.contains(.fillColors))
    }

    /// The same paths drawn with other colour tensors (same shapes): a method that derives the
    /// drawn colours from its own parameters (a palette) renders through this, and its gradient
    /// reaches those parameters through the given tensors.
    public func withColors(stroke: Tensor? = nil, fill: Tensor? = nil) -> SceneParameters {
        precondition(stroke.map { $0.shape == strokeColors.shape } ?? true, "stroke colours must be \(strokeColors.shape)")
        precondition(fill.map { $0.shape == fillColors.shape } ?? true, "fill colours must be \(fillColors.shape)")
        var copy = self
        copy.strokeColors = stroke ?? strokeColors
        copy.fillColors = fill ?? fillColors
        return copy
    }

    /// The tensors that require gradients, for an optimiser's parameter groups.
    public var optimisedTensors: [Tensor] {
        [points, strokeWidths, strokeColors, fillColors].filter(\.requiresGrad)
    }

    /// The current values as a scene (for SVG, PNG and PDF output). Unstroked and unfilled paths
    /// stay so; fills are written only for closed paths.
    public var scene: Scene {
        let coordinates = points.values, widths = strokeWidths.values
        let strokes = strokeColors.values, fills = fillColors.values
        let scenePaths = paths.enumerated().map { index, layout in
            Path(
                points: (layout.firstPoint..<layout.firstPoint + layout.pointCount).map {
                    Point(coordinates[2 * $0], coordinates[2 * $0 + 1])
                },
                isClosed: layout.isClosed,
                strokeColor: layout.isStroked ? Self.color(strokes, row: index) : nil,
                strokeWidth: widths[index],
                fillColor: layout.isFilled ? Self.color(fills, row: index) : nil,
                fillRule: layout.fillRule)
        }
        return Scene(width: canvasWidth, height: canvasHeight, background: background, paths: scenePaths)
    }

    private static func channels(_ color: RGBA?) -> [Float] {
        guard let color else { return [0, 0, 0, 0] }
        return [color.r, color.g, color.b, color.a]
    }

    private static func color(_ values: [Float], row: Int) -> RGBA {
        RGBA(values[4 * row], values[4 * row + 1], values[4 * row + 2], values[4 * row + 3])
    }
}

/// Where one path's values sit in the parameter tensors, and what kind of path it is.
public struct PathLayout: Equatable, Sendable {
    /// Row of the path's first control point in `SceneParameters.points`.
    public let firstPoint: Int
    /// Open paths: 1 + 3n points; closed: 3n (the last segment ends at the first point).
    public let pointCount: Int
    public let isClosed: Bool
    public let isStroked: Bool
    /// Only closed paths are filled.
    public let isFilled: Bool
    public let fillRule: FillRule

    /// Number of cubic segments, counted as `Path.segmentCount` counts them.
    public var segmentCount: Int { isClosed ? pointCount / 3 : max(0, (pointCount - 1) / 3) }
}
