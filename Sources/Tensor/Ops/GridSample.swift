#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Bilinear sampling of NCHW images at arbitrary points, as `torch.nn.functional.grid_sample`
// (mode="bilinear"): the warp behind perspective and affine augmentations and learned warps.
//
// Differentiable in both arguments: the image gradient scatters each output gradient onto the
// four pixels it blended; the grid gradient is the image's bilinear slope at each sample point,
// so sample positions themselves can be optimised.

/// What `gridSample` reads outside the image.
public enum GridSamplePadding: Sendable {
    /// Zero: a sample point off the image fades to 0.
    case zeros
    /// The nearest border pixel: sample points are clamped onto the image.
    case border
}

/// Maps a normalised grid coordinate in [−1, 1] onto pixel coordinates along one axis.
private struct GridAxis {
    let size: Int
    let scale: Float
    let shift: Float
    let clampsToBorder: Bool

    init(size: Int, alignCorners: Bool, padding: GridSamplePadding) {
        self.size = size
        // −1 and 1 are the centres of the edge pixels (align corners) or their outer edges.
        scale = alignCorners ? Float(size - 1) / 2 : Float(size) / 2
        shift = alignCorners ? 0 : -0.5
        clampsToBorder = padding == .border
    }

    /// The pixel coordinate of `coordinate`, and d(pixel)/d(coordinate).
    @inline(__always)
    func pixel(_ coordinate: Float) -> (position: Float, slope: Float) {
        let position = (coordinate + 1) * scale + shift
        guard clampsToBorder else {
            // Beyond one pixel outside, all four taps read padding; clamping there keeps the
            // integer conversion defined for any grid value without changing the result.
            return (position.isNaN ? -2 : min(max(position, -2), Float(size + 1)), scale)
        }
        let limit = Float(size - 1)
        // PyTorch treats a point exactly on the border as clamped (zero slope) too.
        guard position > 0 && position < limit else { return (position >= limit ? limit : 0, 0) }
        return (position, scale)
    }
}

/// The four pixels around one sample point, with their bilinear weights and whether they lie
/// inside the image (outside ones read as zero).
private struct BilinearFootprint {
    /// Offsets within a plane of the top-left, top-right, bottom-left and bottom-right pixels;
    /// 0 for a pixel outside the image, whose `inside` is then 0.
    var offsets: (Int, Int, Int, Int)
    var inside: (Float, Float, Float, Float)
    /// Fractions of the way from the top-left pixel to the right and down.
    var fractionX: Float
    var fractionY: Float
    /// d(pixel coordinate)/d(grid coordinate) per axis (0 where the border clamp is active).
    var slopeX: Float
    var slopeY: Float

    @inline(__always)
    init(x: Float, y: Float, _ axisX: GridAxis, _ axisY: GridAxis) {
        let (px, sx) = axisX.pixel(x)
        let (py, sy) = axisY.pixel(y)
        let left = floorf(px), top = floorf(py)
        let x0 = Int(left), y0 = Int(top)
        fractionX = px - left
        fractionY = py - top
        slopeX = sx
        slopeY = sy
        let width = axisX.size, height = axisY.size
        let inX0 = x0 >= 0 && x0 < width, inX1 = x0 + 1 >= 0 && x0 + 1 < width
        let inY0 = y0 >= 0 && y0 < height, inY1 = y0 + 1 >= 0 && y0 + 1 < height
        func offset(_ row: Int, _ column: Int, _ inRow: Bool, _ inColumn: Bool) -> Int {
            inRow && inColumn ? row * width + column : 0
        }
        offsets = (
            offset(y0, x0, inY0, inX0), offset(y0, x0 + 1, inY0, inX1), offset(y0 + 1, x0, inY1, inX0), offset(y0 + 1, x0 + 1, inY1, inX1)
        )
        inside = (inY0 && inX0 ? 1 : 0, inY0 && inX1 ? 1 : 0, inY1 && inX0 ? 1 : 0, inY1 && inX1 ? 1 : 0)
    }

    /// The bilinear weights of the four pixels, zero for those outside.
    @inline(__always)
    var weights: (Float, Float, Float, Float) {
        let east = fractionX, west = 1 - fractionX, south = fractionY, north = 1 - fractionY
        return (north * west * inside.0, north * east * inside.1, south * west * inside.2, south * east * inside.3)
    }
}

/// Samples `x` [N, C, H, W] bilinearly at the points of `grid` [N, Hout, Wout, 2], giving
/// [N, C, Hout, Wout]. Each grid point is (x, y) in normalised coordinates: −1 is the left (top)
/// of the image and 1 the right (bottom), as `F.grid_sample(mode="bilinear")` with the same
/// `padding` and `alignCorners`.
public func gridSample(_ x: Tensor, grid: Tensor, padding: GridSamplePadding = .zeros, alignCorners: Bool = false) -> Tensor {
    precondition(x.rank == 4, "gridSample input must be [N, C, H, W], got \(x.shape)")
    precondition(
        grid.rank == 4 && grid.shape[0] == x.shape[0] && grid.shape[3] == 2,
        "gridSample grid must be [N, Hout, Wout, 2] for input \(x.shape), got \(grid.shape)")
    let batch = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3]
    let outHeight = grid.shape[1], outWidth = grid.shape[2]
    let inPlane = height * width, outPlane = outHeight * outWidth
    let axisX = GridAxis(size: width, alignCorners: alignCorners, padding: padding)
    let axisY = GridAxis(size: height, alignCorners: alignCorners, padding: padding)
    let result = Tensor(uninitializedShape: [batch, channels, outHeight, outWidth])
    let input = x.pointer, points = grid.pointer, out = result.pointer
    // Parallel over output rows; each sample point's footprint serves all channels.
    Parallel.forEachChunk(batch * outHeight, grain: max(1, 2048 / max(1, outWidth * channels))) { range in
        for imageRow in range {
            let n = imageRow / outHeight, oy = imageRow % outHeight
            let image = input + n * channels * inPlane
            let rowPoints = points + imageRow * outWidth * 2
            let rowOut = out + n * channels * outPlane + oy * outWidth
            for ox in 0..<outWidth {
                let footprint = BilinearFootprint(x: rowPoints[2 * ox], y: rowPoints[2 * ox + 1], axisX, axisY)
                let (w0, w1, w2, w3) = footprint.weights
                let (o0, o1, o2, o3) = footprint.offsets
                for c in 0..<channels {
                    let plane = image + c * inPlane
                    rowOut[c * outPlane + ox] = plane[o0] * w0 + plane[o1] * w1 + plane[o2] * w2 + plane[o3] * w3
                }
            }
        }
    }
    result.recordIfNeeded([x, grid]) { _, outputGrad in
        let g = outputGrad.pointer
        if let dx = x.gradientBuffer() {
            // Sample points scatter anywhere in their image, so only (image, channel) planes are
            // independent; each recomputes its footprints, which is cheap next to the scatter.
            Parallel.forEachChunk(batch * channels, grain: max(1, 2048 / max(1, outPlane))) { range in
                for plane in range {
                    let n = plane / channels
                    let imagePoints = points + n * outPlane * 2
                    let planeGrad = g + plane * outPlane, planeDX = dx + plane * inPlane
                    for o in 0..<outPlane {
                        let footprint = BilinearFootprint(x: imagePoints[2 * o], y: imagePoints[2 * o + 1], axisX, axisY)
                        let (w0, w1, w2, w3) = footprint.weights
                        let (o0, o1, o2, o3) = footprint.offsets
                        let gradient = planeGrad[o]
                        planeDX[o0] += w0 * gradient
                        planeDX[o1] += w1 * gradient
                        planeDX[o2] += w2 * gradient
                        planeDX[o3] += w3 * gradient
                    }
                }
            }
        }
        if let dGrid = grid.gradientBuffer() {
            Parallel.forEachChunk(batch * outHeight, grain: max(1, 2048 / max(1, outWidth * channels))) { range in
                for imageRow in range {
                    let n = imageRow / outHeight, oy = imageRow % outHeight
                    let image = input + n * channels * inPlane
                    let rowPoints = points + imageRow * outWidth * 2, rowDGrid = dGrid + imageRow * outWidth * 2
                    let rowGrad = g + n * channels * outPlane + oy * outWidth
                    for ox in 0..<outWidth {
                        let footprint = BilinearFootprint(x: rowPoints[2 * ox], y: rowPoints[2 * ox + 1], axisX, axisY)
                        let (o0, o1, o2, o3) = footprint.offsets
                        let (m0, m1, m2, m3) = footprint.inside
                        let east = footprint.fractionX, west = 1 - east
                        let south = footprint.fractionY, north = 1 - south
                        var slopeX: Float = 0, slopeY: Float = 0
                        for c in 0..<channels {
                            let plane = image + c * inPlane
                            let gradient = rowGrad[c * outPlane + ox]
                            let v0 = plane[o0] * m0, v1 = plane[o1] * m1, v2 = plane[o2] * m2, v3 = plane[o3] * m3
                            slopeX += ((v1 - v0) * north + (v3 - v2) * south) * gradient
                            slopeY += ((v2 - v0) * west + (v3 - v1) * east) * gradient
                        }
                        rowDGrid[2 * ox] += slopeX * footprint.slopeX
                        rowDGrid[2 * ox + 1] += slopeY * footprint.slopeY
                    }
                }
            }
        }
    }
    return result
}
