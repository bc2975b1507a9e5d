import Models
import Tensor

/// Back-propagates a loss over many CLIP views a few views at a time, so only one chunk's
/// activations are alive at once (64 ViT-B/32 views at once would hold about 1.5 GB).
///
/// The views are cut from the graph that made them, each chunk's loss is differentiated into
/// the cut, and at the end the collected view gradient continues into that graph in one pass:
/// the same gradient as one backward over the whole batch.
///
/// Between chunks it checks `Interruption`: once a stop is requested the remaining chunks are
/// skipped, and the caller (which checks it too) gives up the step.
public struct ChunkedViews {
    public let model: CLIPModel
    public let chunkSize: Int

    public init(model: CLIPModel, chunkSize: Int) {
        self.model = model
        self.chunkSize = chunkSize
    }

    /// Runs `views` [N, 3, R, R] through CLIP's image tower, adds `weight × lossOfChunk(embeddings)`
    /// of each chunk to the gradient of whatever produced `views`, and returns the weighted loss
    /// and the cosines of every view to `text` [1, embed] (for progress).
    public func backward(_ views: Tensor, text: Tensor, weight: Float, lossOfChunk: (_ cosines: Tensor) -> Tensor) -> (
        loss: Float, cosines: [Float]
    ) {
        var cosines: [Float] = []
        let loss = backward(views, weight: weight) { embeddings in
            let chunkCosines = matmul(l2Normalize(embeddings), text, transposeB: true)
            cosines += chunkCosines.values
            return lossOfChunk(chunkCosines)
        }
        return (loss, cosines)
    }

    /// The same for a loss of each chunk's unnormalised image embeddings [chunk, embed] (CLIPstyler's
    /// directional losses); returns the weighted loss.
    public func backward(_ views: Tensor, weight: Float, lossOfEmbeddings: (_ embeddings: Tensor) -> Tensor) -> Float {
        Self.backward(views, chunkSize: chunkSize) { chunk, _ in lossOfEmbeddings(model.imageEmbedding(chunk)) * weight }
    }

    /// The mechanism, for any loss that is a sum of per-chunk terms: back-propagates
    /// `lossOfChunk(chunk, range)` of every `chunkSize` views into a cut of `views`, then the
    /// collected gradient into whatever produced `views`; `backward` runs each of these passes (a
    /// caller may time them). Returns the sum of the chunks' losses.
    public static func backward(
        _ views: Tensor, chunkSize: Int, backward: (_ loss: Tensor) -> Void = { $0.backward() },
        lossOfChunk: (_ chunk: Tensor, _ range: Range<Int>) -> Tensor
    ) -> Float {
        let cut = views.detached()
        cut.requiresGrad = views.needsGrad
        var total: Float = 0
        for start in stride(from: 0, to: views.shape[0], by: chunkSize) {
            // An interrupted run gives up the rest of the step (its caller discards the step).
            if Interruption.isRequested { return total }
            let range = start..<min(start + chunkSize, views.shape[0])
            let loss = lossOfChunk(cut.slice(axis: 0, start: start, length: range.count), range)
            total += loss.item
            backward(loss)
        }
        if let gradient = cut.grad {
            backward((views * gradient).sum())
        }
        return total
    }
}
