import Tensor

/// CLIP's image preprocessing: resize the short side to the model resolution with PIL's
/// antialiased bicubic filter, centre-crop, and (separately, `CLIPModel.normalize`) standardise.
///
/// OpenAI's `preprocess` runs torchvision's `Resize` on a PIL image, i.e. PIL's resampler: a
/// bicubic kernel with a = −0.5 whose support widens by the down-scaling factor (antialiasing),
/// applied horizontally then vertically. We compute the same weights in float32 instead of
/// PIL's 8-bit fixed point, so results agree to within about one 8-bit level.
public enum ImagePreprocessing {
    /// `image` is [C, H, W] in [0, 1]; returns [C, resolution, resolution].
    public static func resizeAndCenterCrop(_ image: Tensor, resolution: Int) -> Tensor {
        let height = image.shape[1], width = image.shape[2]
        // torchvision's Resize(int): the short side becomes `resolution`, the long side
        // int(resolution * long / short).
        let newHeight = height <= width ? resolution : Int(Double(resolution) * Double(height) / Double(width))
        let newWidth = width <= height ? resolution : Int(Double(resolution) * Double(width) / Double(height))
        // torchvision's CenterCrop: offsets round((size − crop) / 2), Python's round (half to even).
        let top = Int((Double(newHeight - resolution) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(newWidth - resolution) / 2).rounded(.toNearestOrEven))
        // Only the crop is computed: each output pixel depends on its own filter taps alone, so
        // this equals resizing everything and cropping, without the resized image, which for a
        // 1 x 5000 photo is 224 x 1,120,000 pixels (3 GB).
        return resizeAntialiased(
            image, height: newHeight, width: newWidth, rows: top..<(top + resolution),
            columns: left..<(left + resolution))
    }

    /// PIL-style antialiased bicubic resize of [C, H, W] (not differentiable: it prepares inputs).
    public static func resizeAntialiased(_ image: Tensor, height: Int, width: Int) -> Tensor {
        resizeAntialiased(image, height: height, width: width, rows: 0..<height, columns: 0..<width)
    }

    /// The `rows` x `columns` window of the resize to `height` x `width`: [C, rows, columns].
    private static func resizeAntialiased(
        _ image: Tensor, height fullHeight: Int, width fullWidth: Int, rows window: Range<Int>, columns: Range<Int>
    ) -> Tensor {
        let channels = image.shape[0], inHeight = image.shape[1], inWidth = image.shape[2]
        let horizontal = filterTaps(input: inWidth, output: fullWidth, indices: columns)
        let vertical = filterTaps(input: inHeight, output: fullHeight, indices: window)
        let width = columns.count, height = window.count
        let rows = Tensor(uninitializedShape: [channels, inHeight, width])
        for c in 0..<channels {
            for y in 0..<inHeight {
                let source = image.pointer + (c * inHeight + y) * inWidth
                let target = rows.pointer + (c * inHeight + y) * width
                for x in 0..<width {
                    let taps = horizontal[x]
                    var total: Float = 0
                    for (k, weight) in taps.weights.enumerated() { total += weight * source[taps.start + k] }
                    // PIL stores each pass in 8 bits, clipping the bicubic overshoot.
                    target[x] = min(max(total, 0), 1)
                }
            }
        }
        let result = Tensor(uninitializedShape: [channels, height, width])
        for c in 0..<channels {
            for y in 0..<height {
                let taps = vertical[y]
                let target = result.pointer + (c * height + y) * width
                for x in 0..<width { target[x] = 0 }
                for (k, weight) in taps.weights.enumerated() {
                    let source = rows.pointer + (c * inHeight + taps.start + k) * width
                    for x in 0..<width { target[x] += weight * source[x] }
                }
                for x in 0..<width { target[x] = min(max(target[x], 0), 1) }
            }
        }
        return result
    }

    private struct Taps {
        let start: Int
        let weights: [Float]
    }

    /// PIL's `precompute_coeffs` for the bicubic filter (support 2, a = −0.5), for the output
    /// positions in `indices`.
    private static func filterTaps(input: Int, output: Int, indices: Range<Int>) -> [Taps] {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = 2.0 * filterScale
        func bicubic(_ value: Double) -> Double {
            let a = -0.5, x = abs(value)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
        return indices.map { index in
            let center = (Double(index) + 0.5) * scale
            let start = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), input)
            var weights = (start..<end).map { bicubic((Double($0) - center + 0.5) / filterScale) }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            return Taps(start: start, weights: weights.map(Float.init))
        }
    }
}
