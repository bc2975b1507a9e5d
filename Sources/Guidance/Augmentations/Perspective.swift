import Tensor

// Random perspective warps, as torchvision's `RandomPerspective` and `functional.perspective` on
// tensors: the same end-point distribution, the same coefficients, the same sampling grid and the
// same fill blending, so an image warped here equals torchvision's for the same points.

/// A pixel position: `x` is the column, `y` the row (torchvision's point order).
public struct PixelPoint: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// The four corners of a quadrilateral, in torchvision's order.
public struct Corners: Equatable, Hashable, Sendable {
    public var topLeft: PixelPoint
    public var topRight: PixelPoint
    public var bottomRight: PixelPoint
    public var bottomLeft: PixelPoint

    public init(topLeft: PixelPoint, topRight: PixelPoint, bottomRight: PixelPoint, bottomLeft: PixelPoint) {
        self.topLeft = topLeft
        self.topRight = topRight
        self.bottomRight = bottomRight
        self.bottomLeft = bottomLeft
    }

    /// The corner pixels of an image: (0, 0), (W − 1, 0), (W − 1, H − 1), (0, H − 1).
    public static func of(height: Int, width: Int) -> Corners {
        Corners(
            topLeft: PixelPoint(x: 0, y: 0), topRight: PixelPoint(x: width - 1, y: 0),
            bottomRight: PixelPoint(x: width - 1, y: height - 1), bottomLeft: PixelPoint(x: 0, y: height - 1))
    }

    var points: [PixelPoint] { [topLeft, topRight, bottomRight, bottomLeft] }
}

/// One perspective warp: the input's corners `start` move to `end` in the output.
public struct PerspectiveParameters: Equatable, Hashable, Sendable {
    public var start: Corners
    public var end: Corners

    public init(start: Corners, end: Corners) {
        self.start = start
        self.end = end
    }

    /// No warp (what `RandomPerspective` returns when its coin says "skip").
    public static func identity(height: Int, width: Int) -> PerspectiveParameters {
        let corners = Corners.of(height: height, width: width)
        return PerspectiveParameters(start: corners, end: corners)
    }

    public var isIdentity: Bool { start == end }

    /// torchvision's `_get_perspective_coeffs`: (a, b, c, d, e, f, g, h) such that output pixel
    /// (x, y) reads the input at ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1)).
    /// The 8x8 system is solved in double precision and rounded to float32, as torchvision does
    /// (it calls least squares, which for these four points is the exact solution).
    public var coefficients: [Float] {
        if isIdentity { return [1, 0, 0, 0, 1, 0, 0, 0] }
        var system: [[Double]] = []
        var targets: [Double] = []
        for (output, input) in zip(end.points, start.points) {
            let (x, y) = (Double(output.x), Double(output.y))
            let (u, v) = (Double(input.x), Double(input.y))
            system.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
            targets.append(u)
            system.append([0, 0, 0, x, y, 1, -v * x, -v * y])
            targets.append(v)
        }
        guard let solution = solveLinearSystem(system, targets) else {
            preconditionFailure("perspective: the end points \(end) are degenerate (three on a line)")
        }
        return solution.map { Float($0) }
    }
}

/// torchvision's `RandomPerspective(distortion_scale, p, fill)`.
public struct RandomPerspective: Sendable {
    /// How far (as a fraction of half the side) each corner may move inwards, in [0, 1].
    public var distortionScale: Double
    /// Chance that an image is warped at all.
    public var probability: Double
    /// Value of the area the warp uncovers, one per channel or one for all; `nil` leaves the plain
    /// zero padding of `grid_sample` (see `perspective(_:_:fill:)`).
    public var fill: [Float]?

    public init(distortionScale: Double = 0.5, probability: Double = 0.5, fill: [Float]? = [0]) {
        precondition((0...1).contains(distortionScale), "distortion scale \(distortionScale) outside [0, 1]")
        self.distortionScale = distortionScale
        self.probability = probability
        self.fill = fill
    }

    /// Draws one warp for an image of the given size, as `RandomPerspective.forward` and
    /// `get_params`: a coin with `probability`, then each end corner uniformly among the integer
    /// points within `int(distortionScale · (side / 2))` pixels inwards of its start corner.
    public func sample(height: Int, width: Int, generator: inout SeededGenerator) -> PerspectiveParameters {
        guard Double(generator.nextUniform()) < probability else { return .identity(height: height, width: width) }
        let reachX = Int(distortionScale * Double(width / 2))
        let reachY = Int(distortionScale * Double(height / 2))
        // Each draw is torch.randint over an interval of reach + 1 integers, in torchvision's order.
        func near(_ reach: Int) -> Int { generator.nextInt(below: reach + 1) }
        func far(_ size: Int, _ reach: Int) -> Int { size - reach - 1 + generator.nextInt(below: reach + 1) }
        let topLeft = PixelPoint(x: near(reachX), y: near(reachY))
        let topRight = PixelPoint(x: far(width, reachX), y: near(reachY))
        let bottomRight = PixelPoint(x: far(width, reachX), y: far(height, reachY))
        let bottomLeft = PixelPoint(x: near(reachX), y: far(height, reachY))
        return PerspectiveParameters(
            start: .of(height: height, width: width),
            end: Corners(topLeft: topLeft, topRight: topRight, bottomRight: bottomRight, bottomLeft: bottomLeft))
    }

    /// `count` independent draws.
    public func sample(count: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [PerspectiveParameters] {
        (0..<count).map { _ in sample(height: height, width: width, generator: &generator) }
    }

    /// Warps `images` [N, C, H, W] with `fill`.
    public func apply(_ images: Tensor, _ parameters: [PerspectiveParameters]) -> Tensor {
        perspective(images, parameters, fill: fill)
    }
}

/// Warps `images` [N, C, H, W] as `torchvision.transforms.functional.perspective` (bilinear) with
/// the same output size. Differentiable with respect to the images; parameters broadcast against
/// the batch (see `Batching.swift`).
///
/// With `fill` `nil` the output is `grid_sample` with zero padding. With a fill, torchvision also
/// warps an all-ones mask and blends `warped · mask + (1 − mask) · fill`; since the warped image is
/// already faded towards 0 at the border, the edge pixels are darkened twice — reproduced here, as
/// the reference methods saw it. Identity parameters return the images unchanged (torchvision's
/// skipped draw) when all draws are identities; mixed in a batch, they are warped with identity
/// coefficients, which reproduces the input to float32 rounding.
public func perspective(_ images: Tensor, _ parameters: [PerspectiveParameters], fill: [Float]?) -> Tensor {
    let batch = broadcastBatch(images, parameterCount: parameters.count, "perspective")
    let channels = images.shape[1], height = images.shape[2], width = images.shape[3]
    if let fill {
        precondition(fill.count == 1 || fill.count == channels, "perspective: \(fill.count) fill values for \(channels) channels")
    }
    if parameters.allSatisfy(\.isIdentity) { return repeatBatch(images, to: batch) }

    let grids = perspectiveGrids(parameters, height: height, width: width)
    let imageGrids = parameters.count == batch ? grids : repeatBatch(grids, to: batch)
    let warped = gridSample(repeatBatch(images, to: batch), grid: imageGrids, padding: .zeros, alignCorners: false)
    guard let fill else { return warped }

    // The mask depends on the parameters only, so it is computed once per draw, off the tape.
    let mask = gridSample(Tensor(repeating: 1, shape: [parameters.count, 1, height, width]), grid: grids)
    let blended = warped * mask
    guard fill.contains(where: { $0 != 0 }) else { return blended }
    let fillValues = Tensor(shape: [1, fill.count, 1, 1], values: fill)
    return blended + (1 - mask) * fillValues
}

/// The sampling grids [P, H, W, 2] of `parameters`, as torchvision's `_perspective_grid` computes
/// them in float32: pixel centres (x + 0.5, y + 0.5) through the coefficients, rescaled to
/// `grid_sample`'s [−1, 1] (align_corners=False).
func perspectiveGrids(_ parameters: [PerspectiveParameters], height: Int, width: Int) -> Tensor {
    let grids = Tensor(uninitializedShape: [parameters.count, height, width, 2])
    let halfWidth = Float(0.5 * Double(width)), halfHeight = Float(0.5 * Double(height))
    for (index, draw) in parameters.enumerated() {
        let c = draw.coefficients
        // torchvision divides the affine part by the half sizes before the projective division.
        let xFromX = c[0] / halfWidth, xFromY = c[1] / halfWidth, xShift = c[2] / halfWidth
        let yFromX = c[3] / halfHeight, yFromY = c[4] / halfHeight, yShift = c[5] / halfHeight
        let grid = grids.pointer + index * height * width * 2
        for row in 0..<height {
            let y = Float(row) + 0.5
            let gridRow = grid + row * width * 2
            for column in 0..<width {
                let x = Float(column) + 0.5
                let denominator = x * c[6] + y * c[7] + 1
                gridRow[2 * column] = (x * xFromX + y * xFromY + xShift) / denominator - 1
                gridRow[2 * column + 1] = (x * yFromX + y * yFromY + yShift) / denominator - 1
            }
        }
    }
    return grids
}

/// Solves the square system `matrix · x = targets` by Gaussian elimination with partial pivoting;
/// `nil` when it is singular.
func solveLinearSystem(_ matrix: [[Double]], _ targets: [Double]) -> [Double]? {
    let size = targets.count
    var rows = zip(matrix, targets).map { $0 + [$1] }
    let tolerance = 1e-12 * (matrix.joined().map(abs).max() ?? 0)
    for column in 0..<size {
        let pivot = (column..<size).max { abs(rows[$0][column]) < abs(rows[$1][column]) }!
        guard abs(rows[pivot][column]) > tolerance else { return nil }
        rows.swapAt(column, pivot)
        for row in (column + 1)..<size {
            let factor = rows[row][column] / rows[column][column]
            guard factor != 0 else { continue }
            for k in column...size { rows[row][k] -= factor * rows[column][k] }
        }
    }
    var solution = Array(repeating: 0.0, count: size)
    for row in stride(from: size - 1, through: 0, by: -1) {
        var value = rows[row][size]
        for k in (row + 1)..<size { value -= rows[row][k] * solution[k] }
        solution[row] = value / rows[row][row]
    }
    return solution
}
