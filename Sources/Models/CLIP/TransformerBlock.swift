import Tensor

/// One pre-LN residual block of a CLIP transformer (vision or text):
/// x + attn(ln_1(x)), then x + mlp(ln_2(x)), with the MLP's activation per architecture.
final class TransformerBlock {
    let heads: Int
    let activation: CLIPArchitecture.Activation
    let ln1Weight: Tensor, ln1Bias: Tensor
    let inProjection: Tensor, inProjectionBias: Tensor
    let outProjection: Tensor, outProjectionBias: Tensor
    let ln2Weight: Tensor, ln2Bias: Tensor
    let fc: Tensor, fcBias: Tensor
    let projection: Tensor, projectionBias: Tensor

    init(_ weights: inout StateDict, prefix: String, width: Int, heads: Int, activation: CLIPArchitecture.Activation) throws {
        self.heads = heads
        self.activation = activation
        ln1Weight = try weights.take("\(prefix).ln_1.weight", shape: [width])
        ln1Bias = try weights.take("\(prefix).ln_1.bias", shape: [width])
        inProjection = try weights.take("\(prefix).attn.in_proj_weight", shape: [3 * width, width])
        inProjectionBias = try weights.take("\(prefix).attn.in_proj_bias", shape: [3 * width])
        outProjection = try weights.take("\(prefix).attn.out_proj.weight", shape: [width, width])
        outProjectionBias = try weights.take("\(prefix).attn.out_proj.bias", shape: [width])
        ln2Weight = try weights.take("\(prefix).ln_2.weight", shape: [width])
        ln2Bias = try weights.take("\(prefix).ln_2.bias", shape: [width])
        fc = try weights.take("\(prefix).mlp.c_fc.weight", shape: [4 * width, width])
        fcBias = try weights.take("\(prefix).mlp.c_fc.bias", shape: [4 * width])
        projection = try weights.take("\(prefix).mlp.c_proj.weight", shape: [width, 4 * width])
        projectionBias = try weights.take("\(prefix).mlp.c_proj.bias", shape: [width])
    }

    /// `x` is [B, T, width]. Returns the block output and the attention probabilities
    /// [B, heads, T, T].
    func callAsFunction(_ x: Tensor, causal: Bool) -> (output: Tensor, attention: Tensor) {
        let qkv = linear(layerNorm(x, weight: ln1Weight, bias: ln1Bias), weight: inProjection, bias: inProjectionBias)
        let attended = attention(packed: qkv, heads: heads, causal: causal)
        let afterAttention = x + linear(attended.output, weight: outProjection, bias: outProjectionBias)
        let hidden = linear(layerNorm(afterAttention, weight: ln2Weight, bias: ln2Bias), weight: fc, bias: fcBias)
        let activated = activation == .quickGELU ? quickGELU(hidden) : gelu(hidden)
        return (afterAttention + linear(activated, weight: projection, bias: projectionBias), attended.probabilities)
    }

    /// The block's output at the first token only, [B, 1, width]: what the vision tower's last
    /// block must produce, since only the class token reaches the embedding. Every token still
    /// supplies keys and values, but the query, the output projection and the MLP run for one
    /// token instead of all (about 83% of the block's matmul work saved, forward and backward).
    /// Equal to `callAsFunction(x, causal: false).output` sliced to the first token.
    func firstTokenOutput(_ x: Tensor) -> Tensor {
        let normalized = layerNorm(x, weight: ln1Weight, bias: ln1Bias)
        let query = linear(normalized.slice(axis: 1, start: 0, length: 1), weight: classQuery.weight, bias: classQuery.bias)
        let key = linear(normalized, weight: classKey.weight, bias: classKey.bias)
        let value = linear(normalized, weight: classValue.weight, bias: classValue.bias)
        let attended = attention(query: query, key: key, value: value, heads: heads).output
        let first = x.slice(axis: 1, start: 0, length: 1)
        let afterAttention = first + linear(attended, weight: outProjection, bias: outProjectionBias)
        let hidden = linear(layerNorm(afterAttention, weight: ln2Weight, bias: ln2Bias), weight: fc, bias: fcBias)
        let activated = activation == .quickGELU ? quickGELU(hidden) : gelu(hidden)
        return afterAttention + linear(activated, weight: projection, bias: projectionBias)
    }

    /// The packed in-projection split into query, key and value rows, for `firstTokenOutput`
    /// (copied on first use: only the vision tower's last block needs them).
    private lazy var classQuery = inProjectionRows(0)
    private lazy var classKey = inProjectionRows(1)
    private lazy var classValue = inProjectionRows(2)

    private func inProjectionRows(_ part: Int) -> (weight: Tensor, bias: Tensor) {
        let width = inProjection.shape[1]
        return (
            inProjection.slice(axis: 0, start: part * width, length: width).copy(),
            inProjectionBias.slice(axis: 0, start: part * width, length: width).copy()
        )
    }
}
