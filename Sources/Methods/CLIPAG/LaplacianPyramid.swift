import Tensor

/// An image [1, C, H, W] as a Laplacian pyramid: band-pass levels at full, half, quarter … size
/// plus the coarsest low-pass level. Optimising the levels instead of the pixels lets coarse
/// structure change as easily as fine detail, which gives cleaner images under an ordinary
/// (non-robust) CLIP. `compose(decompose(x)) == x` up to rounding: each level stores exactly what
/// the upsampled coarser image misses.
public struct LaplacianPyramid: Sendable {
    /// (height, width) of each level, finest first.
    public let sizes: [(height: Int, width: Int)]

    public init(height: Int, width: Int, levels: Int) {
        precondition(levels >= 1, "a pyramid needs at least one level")
        sizes = (0..<levels).map { level in
            let factor = Double(1 << level)
            return (max(1, Int((Double(height) / factor).rounded())), max(1, Int((Double(width) / factor).rounded())))
        }
    }

    /// The levels of `image`, finest first.
    public func decompose(_ image: Tensor) -> [Tensor] {
        var lowPass = [image]
        for size in sizes.dropFirst() {
            lowPass.append(resize(lowPass.last!, height: size.height, width: size.width, mode: .bilinear))
        }
        var levels: [Tensor] = []
        for level in 0..<(sizes.count - 1) {
            levels.append(lowPass[level] - upsample(lowPass[level + 1], to: level))
        }
        levels.append(lowPass[sizes.count - 1])
        return levels
    }

    /// The image the levels describe; differentiable with respect to every level.
    public func compose(_ levels: [Tensor]) -> Tensor {
        precondition(levels.count == sizes.count, "\(levels.count) levels for a \(sizes.count)-level pyramid")
        var image = levels[levels.count - 1]
        for level in stride(from: levels.count - 2, through: 0, by: -1) {
            image = levels[level] + upsample(image, to: level)
        }
        return image
    }

    private func upsample(_ image: Tensor, to level: Int) -> Tensor {
        resize(image, height: sizes[level].height, width: sizes[level].width, mode: .bilinear)
    }
}
