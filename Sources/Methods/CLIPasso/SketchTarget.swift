import Models
import Tensor

/// What every CLIPasso run on one photo shares, computed once: the prepared photo, its clean
/// (unaugmented) features under the geometric model, and the saliency that places the first
/// strokes. Several seeds and abstraction levels reuse it.
public final class SketchTarget {
    /// The photo [1, 3, R, R] in [0, 1], R being the geometric model's resolution.
    public let image: Tensor
    /// `nil` when strokes start uniformly at random.
    public let saliency: SketchSaliency?

    let objective: SketchObjective
    let cleanFeatures: SketchObjective.Features

    /// `photo` [3, R, R] from `TargetPreparation`; `saliency` of the same photo, required when
    /// the recipe starts strokes on salient pixels.
    public init(photo: Tensor, configuration: CLIPasso.Configuration, geometricModel: CLIPModel, saliency: SketchSaliency?) throws {
        try configuration.validate()
        let size = geometricModel.imageResolution
        guard photo.shape == [3, size, size] else {
            throw MethodError(
                "the prepared photo is \(photo.shape), but \(configuration.geometricModel) compares [3, \(size), \(size)] images")
        }
        if configuration.saliencyInit && saliency == nil {
            throw MethodError("starting strokes on salient pixels needs the saliency of the photo (a ViT's attention, e.g. ViT-B/32)")
        }
        if let saliency, saliency.attention.shape != [size, size] {
            throw MethodError("the saliency map is \(saliency.attention.shape), the canvas \(size)x\(size)")
        }
        image = photo.reshaped([1, 3, size, size])
        self.saliency = saliency
        objective = try SketchObjective(
            model: geometricModel, layers: configuration.geometricLayers, geometricWeight: configuration.geometricWeight,
            semanticWeight: configuration.semanticWeight, modelName: configuration.geometricModel)
        cleanFeatures = objective.features(CLIPModel.normalize(image))
    }
}
