#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Resizing NCHW images, following `torch.nn.functional.interpolate` (antialias=False) index for
// index, so CLIP preprocessing and augmentations see the same pixels as the reference code.
//
// Every mode is separable: output pixel (oy, ox) blends input rows `rowTaps(oy)` and columns
// `columnTaps(ox)` with the product of their weights. The taps are computed once per axis in
// float32 exactly as PyTorch's CPU kernel computes them (same source-index formula, same
// clamping), and the backward pass scatters the output gradient with the same weights.

/// How `resize` computes an output pixel from the input.
public enum ResizeMode: Sendable {
    /// The input pixel at floor(dst · in/out) (PyTorch's "nearest", not "nearest-exact").
    case nearest
    /// Linear in each axis over the two nearest pixels.
    case bilinear
    /// Keys' cubic convolution (A = −0.75) over four pixels per axis, clamped at the border.
    case bicubic
}

/// For each output index along one axis, the input indices it reads and their weights.
private final class ResampleTaps {
    /// Taps per output index: 1, 2 or 4.
    let width: Int
    let indices: UnsafeMutablePointer<Int>
    let weights: UnsafeMutablePointer<Float>

    init(inSize: Int, outSize: Int, mode: ResizeMode, alignCorners: Bool) {
        width = mode == .nearest ? 1 : (mode == .bilinear ? 2 : 4)
        indices = .allocate(capacity: outSize * width)
        weights = .allocate(capacity: outSize * width)
        // PyTorch computes the scale and source positions in float32; so do we, so that floors
        // land on the same side.
        let scale: Float
        if alignCorners && mode != .nearest {
            scale = outSize > 1 ? Float(inSize - 1) / Float(outSize - 1) : 0
        } else {
            scale = Float(inSize) / Float(outSize)
        }
        for o in 0..<outSize {
            let taps = indices + o * width, tapWeights = weights + o * width
            switch mode {
            case .nearest:
                taps[0] = min(Int((scale * Float(o)).rounded(.down)), inSize - 1)
                tapWeights[0] = 1
            case .bilinear:
                guard inSize != outSize else {
                    (taps[0], taps[1], tapWeights[0], tapWeights[1]) = (o, o, 1, 0)
                    continue
                }
                let source = alignCorners ? scale * Float(o) : max(scale * (Float(o) + 0.5) - 0.5, 0)
                let (index, fraction) = ResampleTaps.floorAndFraction(source, inSize)
                taps[0] = index
                taps[1] = index < inSize - 1 ? index + 1 : index
                tapWeights[0] = 1 - fraction
                tapWeights[1] = fraction
            case .bicubic:
                let source = alignCorners ? scale * Float(o) : scale * (Float(o) + 0.5) - 0.5
                let (index, t) = ResampleTaps.floorAndFraction(source, inSize)
                // Keys' kernel at distances 1 + t, t, 1 − t and 2 − t, grouped as PyTorch does.
                tapWeights[0] = ResampleTaps.cubicFar(t + 1)
                tapWeights[1] = ResampleTaps.cubicNear(t)
                tapWeights[2] = ResampleTaps.cubicNear(1 - t)
                tapWeights[3] = ResampleTaps.cubicFar((1 - t) + 1)
                for j in 0..<4 { taps[j] = min(max(index - 1 + j, 0), inSize - 1) }
            }
        }
    }

    deinit {
        indices.deallocate()
        weights.deallocate()
    }

    /// Keys' cubic convolution kernel with A = −0.75 (PyTorch's and OpenCV's choice), for
    /// distances in [0, 1] ...
    private static func cubicNear(_ d: Float) -> Float {
        let a: Float = -0.75
        return ((a + 2) * d - (a + 3)) * d * d + 1
    }

    /// ... and in [1, 2].
    private static func cubicFar(_ d: Float) -> Float {
        let a: Float = -0.75
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    }

    /// PyTorch's `guard_index_and_lambda`: the floor (never past the last pixel) and the
    /// fraction past it, clamped to [0, 1].
    private static func floorAndFraction(_ source: Float, _ size: Int) -> (Int, Float) {
        let index = min(Int(floorf(source)), size - 1)
        return (index, min(max(source - Float(index), 0), 1))
    }
}

/// Resizes `x` [N, C, H, W] to [N, C, height, width] as `F.interpolate(x, size=(height, width),
/// mode=..., align_corners=...)` with antialias=False. `alignCorners` applies to bilinear and
/// bicubic only (PyTorch rejects it for nearest). Downscaling does not low-pass filter.
public func resize(_ x: Tensor, height: Int, width: Int, mode: ResizeMode, alignCorners: Bool = false) -> Tensor {
    precondition(x.rank == 4, "resize input must be [N, C, H, W], got \(x.shape)")
    precondition(height > 0 && width > 0, "resize to \(height)x\(width)")
    precondition(!(alignCorners && mode == .nearest), "resize: alignCorners has no meaning for nearest")
    let inHeight = x.shape[2], inWidth = x.shape[3]
    let planes = x.shape[0] * x.shape[1], inPlane = inHeight * inWidth, outPlane = height * width
    let rowTaps = ResampleTaps(inSize: inHeight, outSize: height, mode: mode, alignCorners: alignCorners)
    let columnTaps = ResampleTaps(inSize: inWidth, outSize: width, mode: mode, alignCorners: alignCorners)
    let taps = rowTaps.width
    let result = Tensor(uninitializedShape: [x.shape[0], x.shape[1], height, width])
    let input = x.pointer, out = result.pointer
    let rowIndices = rowTaps.indices, rowWeights = rowTaps.weights
    let columnIndices = columnTaps.indices, columnWeights = columnTaps.weights
    // Output rows are independent: split the (plane, row) pairs across cores.
    Parallel.forEachChunk(planes * height, grain: max(1, 4096 / (width * taps * taps))) { range in
        for planeRow in range {
            let plane = planeRow / height, oy = planeRow % height
            let planeIn = input + plane * inPlane, rowOut = out + planeRow * width
            for ox in 0..<width {
                var total: Float = 0
                for a in 0..<taps {
                    let sourceRow = planeIn + rowIndices[oy * taps + a] * inWidth
                    var blended: Float = 0
                    for b in 0..<taps { blended += sourceRow[columnIndices[ox * taps + b]] * columnWeights[ox * taps + b] }
                    total += blended * rowWeights[oy * taps + a]
                }
                rowOut[ox] = total
            }
        }
    }
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let g = outputGrad.pointer
        let rowIndices = rowTaps.indices, rowWeights = rowTaps.weights
        let columnIndices = columnTaps.indices, columnWeights = columnTaps.weights
        // Output rows share input rows, so only whole planes are independent here.
        Parallel.forEachChunk(planes, grain: max(1, 4096 / (outPlane * taps * taps))) { range in
            for plane in range {
                let planeGrad = g + plane * outPlane, planeDX = dx + plane * inPlane
                for oy in 0..<height {
                    for a in 0..<taps {
                        let targetRow = planeDX + rowIndices[oy * taps + a] * inWidth
                        let rowWeight = rowWeights[oy * taps + a]
                        for ox in 0..<width {
                            let share = planeGrad[oy * width + ox] * rowWeight
                            for b in 0..<taps { targetRow[columnIndices[ox * taps + b]] += share * columnWeights[ox * taps + b] }
                        }
                    }
                }
            }
        }
    }
    return result
}
