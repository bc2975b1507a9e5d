/// The vector scene every method optimises and every output writes: paths of cubic Bézier
/// segments drawn in order over a background, in canvas coordinates (x right, y down).
///
/// Conventions (one inside the code, converted only at the edges):
/// - `strokeWidth` is the full stroke width, as SVG writes it. The rasterizer works with the
///   half-width (radius) internally, as diffvg does.
/// - Colours are un-premultiplied RGBA in [0, 1], composited back-to-front with "over".
public struct Scene: Equatable, Sendable {
    /// Canvas size in canvas units; an export at another pixel size scales the whole scene.
    public var width: Int
    public var height: Int
    /// Drawn first, under every path. `nil` means transparent.
    public var background: RGBA?
    /// Back to front.
    public var paths: [Path]

    public init(width: Int, height: Int, background: RGBA? = .white, paths: [Path] = []) {
        self.width = width
        self.height = height
        self.background = background
        self.paths = paths
    }
}

/// One chain of cubic Bézier segments.
///
/// Control points are stored flat: an open path with `n` segments has `1 + 3n` points
/// (start, then two handles and an end point per segment); a closed path has `3n` points and its
/// last segment ends at `points[0]` (diffvg's layout).
public struct Path: Equatable, Sendable {
    public var points: [Point]
    public var isClosed: Bool
    /// `nil`: no stroke. Strokes have round caps and round joins.
    public var strokeColor: RGBA?
    /// Full width in canvas units.
    public var strokeWidth: Float
    /// Only closed paths are filled; `nil`: no fill.
    public var fillColor: RGBA?
    public var fillRule: FillRule

    public init(
        points: [Point], isClosed: Bool = false, strokeColor: RGBA? = .black, strokeWidth: Float = 1,
        fillColor: RGBA? = nil, fillRule: FillRule = .nonZero
    ) {
        self.points = points
        self.isClosed = isClosed
        self.strokeColor = strokeColor
        self.strokeWidth = strokeWidth
        self.fillColor = fillColor
        self.fillRule = fillRule
    }

    /// Number of cubic segments the points describe.
    public var segmentCount: Int { isClosed ? points.count / 3 : max(0, (points.count - 1) / 3) }
}

public struct Point: Equatable, Hashable, Sendable {
    public var x: Float
    public var y: Float
    public init(_ x: Float, _ y: Float) {
        self.x = x
        self.y = y
    }
}

/// Un-premultiplied colour, each channel in [0, 1].
public struct RGBA: Equatable, Hashable, Sendable {
    public var r: Float
    public var g: Float
    public var b: Float
    public var a: Float
    public init(_ r: Float, _ g: Float, _ b: Float, _ a: Float = 1) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }
    public static let white = RGBA(1, 1, 1, 1)
    public static let black = RGBA(0, 0, 0, 1)
}

public enum FillRule: String, Equatable, Sendable {
    case nonZero = "nonzero"
    case evenOdd = "evenodd"
}
