import Tensor

// CLIPstyler's patch loss with threshold rejection: patches whose directional loss is already
// below `threshold` (they look stylised enough) are zeroed, so the optimiser works on the rest
// and does not over-stylise a few patches into artefacts.

/// CLIPstyler's rejection threshold tau.
public let patchRejectionThreshold: Float = 0.7

/// The mean of `losses` [N] after setting those below `threshold` to zero, as the reference's
/// `loss[loss < thresh] = 0; loss.mean()`: the mean divides by all N, rejected patches included,
/// and rejected patches get no gradient.
public func thresholdRejectedMean(_ losses: Tensor, threshold: Float = patchRejectionThreshold) -> Tensor {
    precondition(losses.rank == 1 && losses.count > 0, "patch losses must be [N], got \(losses.shape)")
    let kept = Tensor(shape: losses.shape, values: losses.values.map { $0 < threshold ? 0 : 1 })
    return (losses * kept).mean()
}

/// The patch term from the patches' CLIP embeddings [N, D]: their directional losses (see
/// `directionalLosses`), rejected below `threshold`, averaged over all N.
public func patchDirectionalLoss(
    patchEmbeddings: Tensor, sourceImageEmbedding: Tensor, textDirection: Tensor, threshold: Float = patchRejectionThreshold
) -> Tensor {
    thresholdRejectedMean(
        directionalLosses(imageEmbeddings: patchEmbeddings, sourceImageEmbedding: sourceImageEmbedding, textDirection: textDirection),
        threshold: threshold)
}
