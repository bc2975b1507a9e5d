import Foundation

/// SciPy's `ndimage.gaussian_filter` on a grey image: a separable, normalised Gaussian of radius
/// `Int(4·sigma + 0.5)` (SciPy's default truncation), rows then columns, with the border
/// reflected about the edge (`mode="reflect"`: d c b a | a b c d | d c b a). XDoG's thresholds
/// are absolute, so the blur must match SciPy's, border included, for the edge maps to agree.
enum GaussianFilter {
    /// `image` is [H, W]; the result too. Accumulates in double precision.
    static func apply(_ image: [Double], height: Int, width: Int, sigma: Double) -> [Double] {
        let radius = Int(4 * sigma + 0.5)
        var weights: [Double] = (-radius...radius).map { offset in
            let distance = Double(offset)
            return Foundation.exp(-0.5 * distance * distance / (sigma * sigma))
        }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        // Axis 0 (down each column), then axis 1 (along each row), as SciPy orders the passes.
        var columns = [Double](repeating: 0, count: image.count)
        for y in 0..<height {
            for (tap, weight) in weights.enumerated() {
                let source = reflect(y + tap - radius, height) * width
                for x in 0..<width { columns[y * width + x] += weight * image[source + x] }
            }
        }
        var result = [Double](repeating: 0, count: image.count)
        let columnIndex = (0..<width).map { x in (0..<weights.count).map { reflect(x + $0 - radius, width) } }
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                var sum = 0.0
                for (tap, source) in columnIndex[x].enumerated() { sum += weights[tap] * columns[row + source] }
                result[row + x] = sum
            }
        }
        return result
    }

    /// The index `index` maps to under half-sample symmetric reflection of `count` samples
    /// (repeating, for kernels wider than the image).
    static func reflect(_ index: Int, _ count: Int) -> Int {
        let period = 2 * count
        var folded = index % period
        if folded < 0 { folded += period }
        return folded < count ? folded : period - 1 - folded
    }
}
