import Tensor

/// CLIP's vision transformer: patches -> class token + positions -> ln_pre -> blocks ->
/// ln_post(class token) -> projection.
final class VisionTransformer {
    let width: Int
    let patchSize: Int
    let resolution: Int
    /// The patch-embedding convolution (stride = kernel = patch size, no bias) as a matrix
    /// [width, 3 * patch * patch]: applied to flattened patches it is the same product.
    let patchEmbedding: Tensor
    let classEmbedding: Tensor
    let positionalEmbedding: Tensor
    let lnPreWeight: Tensor, lnPreBias: Tensor
    let blocks: [TransformerBlock]
    let lnPostWeight: Tensor, lnPostBias: Tensor
    let projection: Tensor

    init(_ weights: inout StateDict, architecture: CLIPArchitecture, width: Int, layers: Int, patchSize: Int) throws {
        self.width = width
        self.patchSize = patchSize
        resolution = architecture.imageResolution
        let grid = resolution / patchSize
        patchEmbedding = try weights.take("visual.conv1.weight", shape: [width, 3, patchSize, patchSize]).reshaped([
            width, 3 * patchSize * patchSize,
        ])
        classEmbedding = try weights.take("visual.class_embedding", shape: [width])
        positionalEmbedding = try weights.take("visual.positional_embedding", shape: [grid * grid + 1, width])
        lnPreWeight = try weights.take("visual.ln_pre.weight", shape: [width])
        lnPreBias = try weights.take("visual.ln_pre.bias", shape: [width])
        blocks = try (0..<layers).map {
            try TransformerBlock(
                &weights, prefix: "visual.transformer.resblocks.\($0)", width: width, heads: width / 64, activation: architecture.activation
            )
        }
        lnPostWeight = try weights.take("visual.ln_post.weight", shape: [width])
        lnPostBias = try weights.take("visual.ln_post.bias", shape: [width])
        projection = try weights.take("visual.proj", shape: [width, architecture.embedDimension])
    }

    /// Runs the blocks' linear layers in `precision`; the patch embedding and the projection
    /// stay float32 (about 3% of the tower's work, and the first layer sets the input gradient).
    func use(_ precision: CLIPPrecision) {
        for block in blocks { block.use(precision) }
    }

    func callAsFunction(_ images: Tensor, capture: VisionCapture) -> VisionFeatures {
        let batch = images.shape[0], grid = resolution / patchSize, patchCount = grid * grid
        // [B, 3, g·p, g·p] -> [B, g, g, 3, p, p] -> [B, g², 3·p·p]: the order conv1's kernel uses.
        let patches = images.reshaped([batch, 3, grid, patchSize, grid, patchSize])
            .permuted([0, 2, 4, 1, 3, 5])
            .reshaped([batch, patchCount, 3 * patchSize * patchSize])
        let embedded = linear(patches, weight: patchEmbedding)
        let classTokens = (Tensor(zeros: [batch, 1, width]) + classEmbedding)
        var x = concat([classTokens, embedded], axis: 1) + positionalEmbedding
        x = layerNorm(x, weight: lnPreWeight, bias: lnPreBias)
        var features = VisionFeatures()
        let lastNeeded = capture.blockLimit.map { min($0, blocks.count) } ?? blocks.count
        // When nothing inside the blocks is captured, the last block runs for the class token
        // alone: the embedding reads nothing else.
        let classTokenOnly = lastNeeded == blocks.count && !capture.blockTokens && !capture.attention
        for block in blocks.prefix(classTokenOnly ? lastNeeded - 1 : lastNeeded) {
            let (output, attention) = block(x, causal: false)
            x = output
            if capture.blockTokens { features.blockTokens.append(x) }
            if capture.attention { features.attention.append(attention) }
        }
        guard lastNeeded == blocks.count else { return features }
        let classToken = classTokenOnly ? blocks[blocks.count - 1].firstTokenOutput(x) : x.slice(axis: 1, start: 0, length: 1)
        let classOutput = layerNorm(classToken.reshaped([batch, width]), weight: lnPostWeight, bias: lnPostBias)
        features.embedding = matmul(classOutput, projection)
        return features
    }
}
