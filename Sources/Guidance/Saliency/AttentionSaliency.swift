import Models
import Tensor

/// Where a vision transformer looks in an image, as CLIPasso's saliency: for every block, the
/// attention probabilities clamped at 0 and averaged over heads, the class token's row over the
/// patches; averaged over blocks; laid out on the patch grid, upsampled bicubically to the image
/// size and min-max normalised to [0, 1].
public enum AttentionSaliency {
    /// The saliency map [size, size] of `image` [1, 3, R, R] (CLIP-normalised) under `model`,
    /// which must be a vision transformer (its attention is what is read; `isApplicable`).
    public static func map(of image: Tensor, model: CLIPModel, size: Int) -> Tensor {
        precondition(isApplicable(to: model), "saliency reads a vision transformer's attention, not a ResNet's")
        precondition(image.rank == 4 && image.shape[0] == 1, "saliency takes one image [1, 3, R, R], got \(image.shape)")
        let attention = model.encodeImage(image, capture: VisionCapture(attention: true)).attention
        return map(classRelevance: classRelevance(attention), size: size)
    }

    /// Whether `model` has attention maps to read (a vision transformer).
    public static func isApplicable(to model: CLIPModel) -> Bool {
        if case .transformer = model.architecture.vision { return true }
        return false
    }

    /// The class token's attention to each patch, per block averaged over heads and then over
    /// blocks: [tokens − 1]. `attention` holds each block's probabilities [1, heads, T, T].
    public static func classRelevance(_ attention: [Tensor]) -> [Float] {
        precondition(!attention.isEmpty, "no attention maps")
        let heads = attention[0].shape[1], tokens = attention[0].shape[3]
        var relevance = [Double](repeating: 0, count: tokens - 1)
        for block in attention {
            precondition(block.shape == [1, heads, tokens, tokens], "attention maps must be [1, heads, T, T], got \(block.shape)")
            for head in 0..<heads {
                // Row 0 is the class token's query.
                let row = block.pointer + head * tokens * tokens
                for patch in 1..<tokens { relevance[patch - 1] += Double(max(row[patch], 0)) }
            }
        }
        let scale = 1 / Double(heads * attention.count)
        return relevance.map { Float($0 * scale) }
    }

    /// `relevance` (one value per patch of a square grid) upsampled bicubically to [size, size]
    /// (PyTorch's `interpolate`, align_corners=False) and min-max normalised.
    public static func map(classRelevance relevance: [Float], size: Int) -> Tensor {
        let grid = Int(Double(relevance.count).squareRoot().rounded())
        precondition(grid * grid == relevance.count, "\(relevance.count) patches do not form a square grid")
        let upsampled = resize(Tensor(shape: [1, 1, grid, grid], values: relevance), height: size, width: size, mode: .bicubic)
        let values = upsampled.values
        let low = values.min()!, high = values.max()!
        let normalised = high > low ? values.map { ($0 - low) / (high - low) } : [Float](repeating: 0, count: values.count)
        return Tensor(shape: [size, size], values: normalised)
    }
}
