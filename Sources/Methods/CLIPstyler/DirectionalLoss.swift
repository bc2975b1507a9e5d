import Tensor

// CLIPstyler's directional CLIP loss: how far the change from the content photo to an output
// view points away from the text direction, in CLIP's embedding space.
//
// Per view: 1 − cos(normalise(normalise(view) − normalise(photo)), textDirection). The views'
// and the photo's embeddings are normalised before their difference, as the reference does.

/// One loss per row [N] of `imageEmbeddings` [N, D] (CLIP image embeddings of the output's
/// views, unnormalised), against `sourceImageEmbedding` [1, D] (the content photo) and
/// `textDirection` [1, D] (`textDirection(style:source:)`). Differentiable with respect to the
/// view embeddings.
public func directionalLosses(imageEmbeddings: Tensor, sourceImageEmbedding: Tensor, textDirection: Tensor) -> Tensor {
    precondition(imageEmbeddings.rank == 2, "image embeddings must be [N, D], got \(imageEmbeddings.shape)")
    let width = imageEmbeddings.shape[1]
    precondition(
        sourceImageEmbedding.shape == [1, width] && textDirection.shape == [1, width],
        "source image embedding \(sourceImageEmbedding.shape) and text direction \(textDirection.shape) must be [1, \(width)]")
    let imageDirection = l2Normalize(imageEmbeddings) - l2Normalize(sourceImageEmbedding)
    return 1 - cosineSimilarity(imageDirection, textDirection)
}

/// The global term: the mean directional loss of whole-output views [N, D] (the reference uses
/// one view, the output resized to CLIP's resolution).
public func globalDirectionalLoss(imageEmbeddings: Tensor, sourceImageEmbedding: Tensor, textDirection: Tensor) -> Tensor {
    directionalLosses(imageEmbeddings: imageEmbeddings, sourceImageEmbedding: sourceImageEmbedding, textDirection: textDirection).mean()
}
