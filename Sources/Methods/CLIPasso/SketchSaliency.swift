import Guidance
import Models
import Tensor

/// Where CLIPasso's strokes may start on a prepared photo: a vision transformer's attention map
/// times the photo's XDoG edges. Computed once per photo, before the geometric model is loaded,
/// so the two models are never in memory together.
public struct SketchSaliency {
    /// The attention map [R, R] in [0, 1], the binary XDoG edge map [R, R] (0 on edges), and the
    /// map start pixels are drawn from.
    public let attention: Tensor
    public let edges: Tensor
    public let startMap: Tensor

    /// `photo` [3, R, R] in [0, 1] from `TargetPreparation`; `model` must be a vision transformer.
    public init(photo: Tensor, model: CLIPModel, modelName: String, edgeIntersection: Bool) throws {
        guard AttentionSaliency.isApplicable(to: model) else {
            throw MethodError(
                "the saliency model \(modelName) is a ResNet; saliency reads a vision transformer's attention (use --model ViT-B/32)")
        }
        precondition(
            photo.rank == 3 && photo.shape[0] == 3 && photo.shape[1] == photo.shape[2],
            "the prepared photo must be [3, R, R], got \(photo.shape)")
        let size = photo.shape[1], resolution = model.imageResolution
        let input = size == resolution ? photo : ImagePreprocessing.resizeAntialiased(photo, height: resolution, width: resolution)
        // The reference feeds the CLIP-normalised photo to both the attention model and XDoG.
        attention = AttentionSaliency.map(
            of: CLIPModel.normalize(input).reshaped([1, 3, resolution, resolution]), model: model, size: size)
        edges = XDoG()(CLIPModel.normalize(photo))
        startMap = edgeIntersection ? attention * (1 - edges) : attention
    }
}
