import Tensor

/// One pre-LN residual block of a CLIP transformer (vision or text):
/// x + attn(ln_1(x)), then x + mlp(ln_2(x)), with the MLP's activation per architecture.
final class TransformerBlock {
    let heads: Int
    let activation: CLIPArchitecture.Activation
    let ln1Weight: Tensor, ln1Bias: Tensor
    let inProjection: FrozenLinear
    let outProjection: FrozenLinear
    let ln2Weight: Tensor, ln2Bias: Tensor
    let fc: FrozenLinear
    let projection: FrozenLinear
    private var precision = CLIPPrecision.fp32

    init(_ weights: inout StateDict, prefix: String, width: Int, heads: Int, activation: CLIPArchitecture.Activation) throws {
        self.heads = heads
        self.activation = activation
        ln1Weight = try weights.take("\(prefix).ln_1.weight", shape: [width])
        ln1Bias = try weights.take("\(prefix).ln_1.bias", shape: [width])
        inProjection = FrozenLinear(
            weight: try weights.take("\(prefix).attn.in_proj_weight", shape: [3 * width, width]),
            bias: try weights.take("\(prefix).attn.in_proj_bias", shape: [3 * width]))
        outProjection = FrozenLinear(
            weight: try weights.take("\(prefix).attn.out_proj.weight", shape: [width, width]),
            bias: try weights.take("\(prefix).attn.out_proj.bias", shape: [width]))
        ln2Weight = try weights.take("\(prefix).ln_2.weight", shape: [width])
        ln2Bias = try weights.take("\(prefix).ln_2.bias", shape: [width])
        fc = FrozenLinear(
            weight: try weights.take("\(prefix).mlp.c_fc.weight", shape: [4 * width, width]),
            bias: try weights.take("\(prefix).mlp.c_fc.bias", shape: [4 * width]))
        projection = FrozenLinear(
            weight: try weights.take("\(prefix).mlp.c_proj.weight", shape: [width, 4 * width]),
            bias: try weights.take("\(prefix).mlp.c_proj.bias", shape: [width]))
    }

    /// Runs the block's linear layers in `precision` from now on.
    func use(_ precision: CLIPPrecision) {
        self.precision = precision
        for layer in [inProjection, outProjection, fc, projection] { layer.use(precision) }
        classProjections = nil
    }

    /// `x` is [B, T, width]. Returns the block output and the attention probabilities
    /// [B, heads, T, T].
    func callAsFunction(_ x: Tensor, causal: Bool) -> (output: Tensor, attention: Tensor) {
        let qkv = inProjection(layerNorm(x, weight: ln1Weight, bias: ln1Bias))
        let attended = attention(packed: qkv, heads: heads, causal: causal)
        let afterAttention = x + outProjection(attended.output)
        let hidden = fc(layerNorm(afterAttention, weight: ln2Weight, bias: ln2Bias))
        let activated = activation == .quickGELU ? quickGELU(hidden) : gelu(hidden)
        return (afterAttention + projection(activated), attended.probabilities)
    }

    /// The block's output at the first token only, [B, 1, width]: what the vision tower's last
    /// block must produce, since only the class token reaches the embedding. Every token still
    /// supplies keys and values, but the query, the output projection and the MLP run for one
    /// token instead of all (about 83% of the block's matmul work saved, forward and backward).
    /// Equal to `callAsFunction(x, causal: false).output` sliced to the first token.
    func firstTokenOutput(_ x: Tensor) -> Tensor {
        let normalized = layerNorm(x, weight: ln1Weight, bias: ln1Bias)
        let (classQuery, classKey, classValue) = splitInProjection()
        let query = classQuery(normalized.slice(axis: 1, start: 0, length: 1))
        let key = classKey(normalized)
        let value = classValue(normalized)
        let attended = attention(query: query, key: key, value: value, heads: heads).output
        let first = x.slice(axis: 1, start: 0, length: 1)
        let afterAttention = first + outProjection(attended)
        let hidden = fc(layerNorm(afterAttention, weight: ln2Weight, bias: ln2Bias))
        let activated = activation == .quickGELU ? quickGELU(hidden) : gelu(hidden)
        return afterAttention + projection(activated)
    }

    /// The packed in-projection split into query, key and value rows, for `firstTokenOutput`
    /// (copied on first use: only the vision tower's last block needs them). Quantised per
    /// output channel, each part has the codes its rows have in the packed weight.
    private var classProjections: (FrozenLinear, FrozenLinear, FrozenLinear)?

    private func splitInProjection() -> (FrozenLinear, FrozenLinear, FrozenLinear) {
        if let classProjections { return classProjections }
        let width = inProjection.weight.shape[1]
        func part(_ index: Int) -> FrozenLinear {
            let layer = FrozenLinear(
                weight: inProjection.weight.slice(axis: 0, start: index * width, length: width).copy(),
                bias: inProjection.bias!.slice(axis: 0, start: index * width, length: width).copy())
            layer.use(precision)
            return layer
        }
        let parts = (part(0), part(1), part(2))
        classProjections = parts
        return parts
    }
}
