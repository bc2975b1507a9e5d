import Tensor

/// One ViT-B/32 residual block at batch 8, forward + input-gradient backward with frozen
/// weights, timed whole and split into its matrix products and everything else, so the
/// "non-matmul work < 10% of the block's matmul time" target can be read off one run.
enum VitBlockBenchmark {
    static let batch = 8, tokens = 50, width = 768, hidden = 3072, heads = 12

    /// Matmul FLOPs of the block's forward pass (qkv, out, fc1, fc2 projections).
    static let forwardMatmulFlops = 2.0 * Double(batch * tokens * width) * Double(3 * width + width + hidden + hidden)

    struct Weights {
        let ln1Weight = random([width], seed: 20), ln1Bias = random([width], seed: 21)
        let inProj = random([3 * width, width], seed: 22), inBias = random([3 * width], seed: 23)
        let outProj = random([width, width], seed: 24), outBias = random([width], seed: 25)
        let ln2Weight = random([width], seed: 26), ln2Bias = random([width], seed: 27)
        let fc1 = random([hidden, width], seed: 28), fc1Bias = random([hidden], seed: 29)
        let fc2 = random([width, hidden], seed: 30), fc2Bias = random([width], seed: 31)
    }

    static var cases: [BenchmarkCase] {
        [
            BenchmarkCase("vitblock.fwdbwd.b8", flops: 2 * forwardMatmulFlops) {
                let weights = Weights(), x = random([batch, tokens, width], seed: 32, requiresGrad: true)
                return {
                    block(x, weights).sum().backward()
                    x.zeroGrad()
                }
            },
            BenchmarkCase("vitblock.matmuls.fwdbwd.b8", flops: 2 * forwardMatmulFlops) {
                let weights = Weights()
                let x = random([batch, tokens, width], seed: 33, requiresGrad: true)
                let h = random([batch, tokens, hidden], seed: 34, requiresGrad: true)
                return {
                    let qkv = linear(x, weight: weights.inProj, bias: weights.inBias)
                    let projected = linear(x, weight: weights.outProj, bias: weights.outBias)
                    let up = linear(x, weight: weights.fc1, bias: weights.fc1Bias)
                    let down = linear(h, weight: weights.fc2, bias: weights.fc2Bias)
                    (qkv.sum() + projected.sum() + up.sum() + down.sum()).backward()
                    x.zeroGrad()
                    h.zeroGrad()
                }
            },
            BenchmarkCase("vitblock.nonmatmul.fwdbwd.b8") {
                let weights = Weights()
                let x = random([batch, tokens, width], seed: 35, requiresGrad: true)
                let qkv = random([batch, tokens, 3 * width], seed: 36, requiresGrad: true)
                let h = random([batch, tokens, hidden], seed: 37, requiresGrad: true)
                return {
                    let normalized1 = layerNorm(x, weight: weights.ln1Weight, bias: weights.ln1Bias)
                    let mixed = attention(packed: qkv, heads: heads).output
                    let normalized2 = layerNorm(x, weight: weights.ln2Weight, bias: weights.ln2Bias)
                    let activated = quickGELU(h)
                    let residual = x + mixed
                    (normalized1.sum() + normalized2.sum() + activated.sum() + residual.sum()).backward()
                    x.zeroGrad()
                    qkv.zeroGrad()
                    h.zeroGrad()
                }
            },
        ]
    }

    /// Pre-LN residual block as in OpenAI CLIP: x + attn(ln_1(x)); x + mlp(ln_2(x)).
    static func block(_ x: Tensor, _ w: Weights) -> Tensor {
        let qkv = linear(layerNorm(x, weight: w.ln1Weight, bias: w.ln1Bias), weight: w.inProj, bias: w.inBias)
        let attended = linear(attention(packed: qkv, heads: heads).output, weight: w.outProj, bias: w.outBias)
        let afterAttention = x + attended
        let hidden = quickGELU(linear(layerNorm(afterAttention, weight: w.ln2Weight, bias: w.ln2Bias), weight: w.fc1, bias: w.fc1Bias))
        return afterAttention + linear(hidden, weight: w.fc2, bias: w.fc2Bias)
    }
}
