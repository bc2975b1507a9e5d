import Tensor

/// CLIP's text tower: token + position embeddings -> causal blocks -> ln_final -> the features
/// at each prompt's end-of-text token -> projection.
final class TextTransformer {
    let width: Int
    let contextLength: Int
    let tokenEmbedding: Tensor
    let positionalEmbedding: Tensor
    let blocks: [TransformerBlock]
    let lnFinalWeight: Tensor, lnFinalBias: Tensor
    let projection: Tensor

    init(_ weights: inout StateDict, architecture: CLIPArchitecture) throws {
        width = architecture.textWidth
        contextLength = architecture.contextLength
        tokenEmbedding = try weights.take("token_embedding.weight", shape: [architecture.vocabularySize, width])
        positionalEmbedding = try weights.take("positional_embedding", shape: [contextLength, width])
        blocks = try (0..<architecture.textLayers).map {
            try TransformerBlock(&weights, prefix: "transformer.resblocks.\($0)", width: architecture.textWidth, heads: architecture.textHeads, activation: architecture.activation)
        }
        lnFinalWeight = try weights.take("ln_final.weight", shape: [width])
        lnFinalBias = try weights.take("ln_final.bias", shape: [width])
        projection = try weights.take("text_projection", shape: [width, architecture.embedDimension])
    }

    /// `tokens` holds one row of `contextLength` ids per prompt; `endIndices` the position of
    /// each prompt's end-of-text token (the argmax of the ids, as OpenAI pools).
    func callAsFunction(tokens: [[Int]], endIndices: [Int]) -> Tensor {
        let batch = tokens.count
        // The mask is causal, so no position after the last end-of-text token can change a
        // pooled feature: the tower runs on the context up to it (a short prompt is ~10 of 77
        // positions, which makes embedding hundreds of labels for --watch quick).
        let length = min(contextLength, (endIndices.max() ?? 0) + 1)
        let embedded = tokenEmbedding.gatherRows(tokens.flatMap { $0.prefix(length) }).reshaped([batch, length, width])
        var x = embedded + positionalEmbedding.slice(axis: 0, start: 0, length: length)
        for block in blocks { x = block(x, causal: true).output }
        let ends = endIndices.enumerated().map { $0.offset * length + $0.element }
        let pooled = x.reshaped([batch * length, width]).gatherRows(ends)
        return matmul(layerNorm(pooled, weight: lnFinalWeight, bias: lnFinalBias), projection)
    }
}
