import Models
import Tensor

/// CLIPasso's loss: how far a sketch is from the photo in a CLIP image tower. Geometric: the mean
/// squared difference of chosen intermediate feature maps (ResNet stages, or ViT block token maps
/// as CLIPascene does), `geometricWeight` each; semantic: `semanticWeight × (1 − cos)` of the final
/// embeddings. Both are means over the batch of views, as the reference's `CLIPConvLoss`.
struct SketchObjective {
    /// The feature maps and embedding of a batch of views.
    struct Features {
        var maps: [Tensor]
        var embedding: Tensor?

        /// `self` followed by `other` along the batch axis.
        func followed(by other: Features) -> Features {
            Features(
                maps: zip(maps, other.maps).map { concat([$0, $1], axis: 0) },
                embedding: embedding.flatMap { first in other.embedding.map { concat([first, $0], axis: 0) } })
        }

        /// The views in `range` of the batch.
        func views(_ range: Range<Int>) -> Features {
            Features(
                maps: maps.map { $0.slice(axis: 0, start: range.lowerBound, length: range.count) },
                embedding: embedding?.slice(axis: 0, start: range.lowerBound, length: range.count))
        }

        /// The first view alone, cut from the tape (for evaluation).
        var firstView: Features {
            Features(maps: maps.map { $0.detached() }, embedding: embedding?.detached()).views(0..<1)
        }
    }

    let model: CLIPModel
    let layers: [Int]
    let geometricWeight: Float
    let semanticWeight: Float
    private let isTransformer: Bool

    init(model: CLIPModel, layers: [Int], geometricWeight: Float, semanticWeight: Float, modelName: String) throws {
        let available: Int
        switch model.architecture.vision {
        case .transformer(_, let blocks, _):
            isTransformer = true
            available = blocks
        case .resNet(let stageBlocks, _):
            isTransformer = false
            available = stageBlocks.count + 1
        }
        if let outside = layers.first(where: { $0 >= available }) {
            let kind = isTransformer ? "blocks 0…\(available - 1)" : "stages 0 (stem) … \(available - 1) (layer\(available - 1))"
            throw MethodError("geometric layer \(outside) does not exist in \(modelName), which has \(kind)")
        }
        self.model = model
        self.layers = layers
        self.geometricWeight = geometricWeight
        self.semanticWeight = semanticWeight
    }

    /// The features of `views` [B, 3, R, R] (CLIP-normalised). Without a semantic term the tower
    /// stops after the deepest layer used.
    func features(_ views: Tensor) -> Features {
        let needsEmbedding = semanticWeight > 0
        let deepest = (layers.max() ?? 0) + 1
        let capture =
            isTransformer
            ? VisionCapture(blockTokens: true, blockLimit: needsEmbedding ? nil : deepest)
            : VisionCapture(stages: true, stageLimit: needsEmbedding ? nil : deepest - 1)
        let encoded = model.encodeImage(views, capture: capture)
        let maps = isTransformer ? encoded.blockTokens : encoded.stages
        return Features(maps: layers.map { maps[$0] }, embedding: needsEmbedding ? encoded.embedding : nil)
    }

    /// How many terms `terms` gives: one per layer, and the semantic term when it is weighted.
    var termCount: Int { layers.count + (semanticWeight > 0 ? 1 : 0) }

    /// The weighted terms of `sketch` against `target` (same batch size), scalars: each layer's
    /// `geometricWeight × MSE`, then `semanticWeight × mean(1 − cos)` (the reference's
    /// `CLIPConvLoss` dictionary, whose values it sums).
    func terms(_ sketch: Features, _ target: Features) -> [Tensor] {
        var terms = zip(sketch.maps, target.maps).map { meanSquaredError($0, $1) * geometricWeight }
        if let sketchEmbedding = sketch.embedding, let targetEmbedding = target.embedding {
            terms.append((1 - cosineSimilarity(sketchEmbedding, targetEmbedding)).mean() * semanticWeight)
        }
        return terms
    }
}
