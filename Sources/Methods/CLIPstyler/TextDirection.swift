import Tensor

// The direction in CLIP's embedding space from a source description ("a Photo") to a style
// description, each the average of its template prompts (CLIPstyler's text side).

/// One embedding [1, D] for a text from its template prompts' embeddings [T, D]: their mean,
/// L2-normalised (the prompts are averaged unnormalised, as the reference does).
public func templateEmbedding(_ promptEmbeddings: Tensor) -> Tensor {
    precondition(
        promptEmbeddings.rank == 2 && promptEmbeddings.shape[0] > 0, "template embeddings must be [T, D], got \(promptEmbeddings.shape)")
    return l2Normalize(promptEmbeddings.mean(axes: [0], keepDims: true))
}

/// normalise(style − source) [1, D] from the template embeddings [T, D] of the style text and
/// of the source text.
public func textDirection(style: Tensor, source: Tensor) -> Tensor {
    l2Normalize(templateEmbedding(style) - templateEmbedding(source))
}
