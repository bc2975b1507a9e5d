import Guidance
import Models
import Tensor

/// What every CLIPasso run on one photo shares, computed once: the prepared photo, its clean
/// (unaugmented) features under the geometric model, and the saliency maps that place the
/// first strokes. Several seeds and abstraction levels reuse it.
public final class SketchTarget {
    /// The photo [1, 3, R, R] in [0, 1], R being the geometric model's resolution.
    public let image: Tensor
    /// The attention map [R, R] in [0, 1], the binary XDoG edge map [R, R] (0 on edges), and
    /// the map start pixels are drawn from (attention on edges); `nil` without saliency.
    public let attention: Tensor?
    public let edges: Tensor?
    public let startMap: Tensor?

    let objective: SketchObjective
    let cleanFeatures: SketchObjective.Features

    /// `photo` [3, R, R] from `TargetPreparation`. `saliencyModel` (a ViT) is needed when the
    /// recipe starts strokes on salient pixels; it may be the geometric model itself.
    public init(photo: Tensor, configuration: CLIPasso.Configuration, geometricModel: CLIPModel, saliencyModel: CLIPModel?) throws {
        try configuration.validate()
        let size = geometricModel.imageResolution
        precondition(photo.shape == [3, size, size], "the prepared photo must be [3, \(size), \(size)], got \(photo.shape)")
        image = photo.reshaped([1, 3, size, size])
        objective = try SketchObjective(
            model: geometricModel, layers: configuration.geometricLayers, geometricWeight: configuration.geometricWeight,
            semanticWeight: configuration.semanticWeight, modelName: configuration.geometricModel)
        cleanFeatures = objective.features(CLIPModel.normalize(image))

        guard configuration.saliencyInit else {
            (attention, edges, startMap) = (nil, nil, nil)
            return
        }
        guard let saliencyModel else {
            throw MethodError("starting strokes on salient pixels needs the saliency model (a ViT, e.g. ViT-B/32)")
        }
        guard AttentionSaliency.isApplicable(to: saliencyModel) else {
            throw MethodError("the saliency model \(configuration.model) is a ResNet; saliency reads a vision transformer's attention (use --model ViT-B/32)")
        }
        // The reference feeds the CLIP-normalised photo to both the attention model and XDoG.
        let normalised = CLIPModel.normalize(image)
        let saliencyInput = saliencyModel.imageResolution == size
            ? normalised
            : CLIPModel.normalize(ImagePreprocessing.resizeAntialiased(photo, height: saliencyModel.imageResolution, width: saliencyModel.imageResolution)
                .reshaped([1, 3, saliencyModel.imageResolution, saliencyModel.imageResolution]))
        let attention = AttentionSaliency.map(of: saliencyInput, model: saliencyModel, size: size)
        let edges = XDoG()(normalised.reshaped([3, size, size]))
        self.attention = attention
        self.edges = edges
        startMap = configuration.edgeIntersection ? attention * (1 - edges) : attention
    }
}
