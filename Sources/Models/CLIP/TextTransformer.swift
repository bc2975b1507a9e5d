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
            try TransformerBlock(
                &weights, prefix: "transformer.resblocks.\($0)", width: architecture.textWidth, heads: architecture.textHeads,
                activation: architecture.activation)
        }
        lnFinalWeight = try weights.take("ln_final.weight", shape: [width])
        lnFinalBias = try weights.take("ln_final.bias", shape: [width])
        projection = try weights.take("text_projection", shape: [width, architecture.embedDimension])
    }

    /// `tokens` holds one row of `contextLength` ids per prompt; `endIndices` the position of
    /// each prompt's end-of-text token (the argmax of the ids, as OpenAI pools). `shortened`
    /// runs the tower only up to the last end-of-text token: the mask is causal, so no later
    /// position can change a pooled feature, and a short prompt is ~10 of 77 positions (embedding
    /// hundreds of `--watch` labels is quick). The sums then run in another order, so the
    /// results differ in the last bits; the methods keep the full context their parity is
    /// checked at.
    func callAsFunction(tokens: [[Int]], endIndices: [Int], shortened: Bool = false) -> Tensor {
        let batch = tokens.count
        let length = shortened ? min(contextLength, (endIndices.max() ?? 0) + 1) : contextLength
        let embedded = tokenEmbedding.gatherRows(tokens.flatMap { $0.prefix(length) }).reshaped([batch, length, width])
        var x = embedded + positionalEmbedding.slice(axis: 0, start: 0, length: length)
        for block in blocks { x = block(x, causal: true).output }
        let ends = endIndices.enumerated().map { $0.offset * length + $0.element }
        let pooled = x.reshaped([batch * length, width]).gatherRows(ends)
        return matmul(layerNorm(pooled, weight: lnFinalWeight, bias: lnFinalBias), projection)
    }
}
