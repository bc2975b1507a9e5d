import Tensor

/// Dynamic thresholding (Saharia et al. 2022, as the CLIPAG reference applies it after every
/// step): map the image to [-1, 1], let s be the `quantile` of |values| over the whole image but
/// at least 1, clamp to [-s, s], divide by s, and map back to [0, 1]. Extreme pixels are pulled
/// in proportionally instead of being clipped one by one, which keeps colours from saturating.
public struct DynamicThreshold: Sendable {
    public let quantile: Float

    public init(quantile: Float) {
        self.quantile = quantile
    }

    /// Applies the threshold to `image` in place.
    public func apply(_ image: Tensor) {
        let values = image.pointer
        let magnitudes = (0..<image.count).map { Swift.abs(2 * values[$0] - 1) }
        let scale = max(1, Self.quantile(magnitudes, quantile))
        for index in 0..<image.count {
            let centred = min(max(2 * values[index] - 1, -scale), scale) / scale
            values[index] = (centred + 1) / 2
        }
    }

    /// `torch.quantile`'s default ("linear"): the value at fractional rank q·(n − 1) of the sorted
    /// values, interpolated between its two neighbours.
    static func quantile(_ values: [Float], _ q: Float) -> Float {
        let sorted = values.sorted()
        let rank = Double(q) * Double(sorted.count - 1)
        let below = Int(rank.rounded(.down)), above = min(below + 1, sorted.count - 1)
        let fraction = Float(rank - Double(below))
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }
}
