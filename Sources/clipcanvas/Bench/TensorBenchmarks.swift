import Tensor

/// The tensor engine's cases (issue 3): raw sgemm at the ViT-B/32 shapes as the yardstick, the
/// same products through `linear`, and the non-matmul kernels of one transformer block.
enum TensorBenchmarks {
    /// ViT-B/32 at batch 8: 8 images x 50 tokens = 400 rows of width 768.
    static let rows = 400, width = 768, heads = 12, tokens = 50, batch = 8

    static var cases: [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        for outFeatures in [768, 2304, 3072] {
            cases.append(sgemmCase(m: rows, k: width, n: outFeatures))
        }
        cases.append(
            BenchmarkCase("linear.fwd.400x768x3072", flops: 2.0 * 400 * 768 * 3072) {
                let x = random([rows, width], seed: 1), w = random([3072, width], seed: 2), b = random([3072], seed: 3)
                return { _ = linear(x, weight: w, bias: b) }
            })
        cases.append(
            BenchmarkCase("linear.fwdbwd.400x768x3072", flops: 4.0 * 400 * 768 * 3072) {
                let x = random([rows, width], seed: 1, requiresGrad: true), w = random([3072, width], seed: 2), b = random([3072], seed: 3)
                return {
                    linear(x, weight: w, bias: b).sum().backward()
                    x.zeroGrad()
                }
            })
        // The same product in the reduced precisions (`--precision`), weights prepared once.
        cases.append(
            BenchmarkCase("linear.int8.fwdbwd.400x768x3072", flops: 4.0 * 400 * 768 * 3072) {
                let x = random([rows, width], seed: 1, requiresGrad: true), b = random([3072], seed: 3)
                let w = Int8LinearWeight(random([3072, width], seed: 2))
                return {
                    w.linear(x, bias: b).sum().backward()
                    x.zeroGrad()
                }
            })
        if ReducedPrecisionRuntime.hasNativeBFloat16 {
            cases.append(
                BenchmarkCase("linear.bf16.fwdbwd.400x768x3072", flops: 4.0 * 400 * 768 * 3072) {
                    let x = random([rows, width], seed: 1, requiresGrad: true), b = random([3072], seed: 3)
                    let w = BFloat16LinearWeight(random([3072, width], seed: 2))
                    return {
                        w.linear(x, bias: b).sum().backward()
                        x.zeroGrad()
                    }
                })
        }
        cases.append(
            BenchmarkCase("layernorm.fwdbwd.400x768") {
                let x = random([rows, width], seed: 4, requiresGrad: true), w = random([width], seed: 5), b = random([width], seed: 6)
                return {
                    layerNorm(x, weight: w, bias: b).sum().backward()
                    x.zeroGrad()
                }
            })
        cases.append(
            BenchmarkCase("attention.fwdbwd.b8t50h12d64", flops: 3 * 4.0 * 8 * 12 * 50 * 50 * 64) {
                let qkv = random([batch, tokens, 3 * width], seed: 7, requiresGrad: true)
                return {
                    attention(packed: qkv, heads: heads).output.sum().backward()
                    qkv.zeroGrad()
                }
            })
        cases.append(
            BenchmarkCase("gelu.fwdbwd.400x3072") {
                let x = random([rows, 3072], seed: 8, requiresGrad: true)
                return {
                    quickGELU(x).sum().backward()
                    x.zeroGrad()
                }
            })
        cases.append(
            BenchmarkCase("gelu-erf.fwdbwd.400x3072") {
                let x = random([rows, 3072], seed: 8, requiresGrad: true)
                return {
                    gelu(x).sum().backward()
                    x.zeroGrad()
                }
            })
        // Convolutions as CLIP's input gradient runs them (frozen weight): RN101's layer3 3x3 and
        // 1x1 at batch 5 (CLIPasso), VGG19's conv1_2 at 256x256 (CLIPstyler --fast). GFLOP/s
        // counts a direct convolution's multiply-adds, forward and input gradient.
        cases.append(convolutionCase("conv3x3.fwdbwd.256c14x14.b5", batch: 5, channels: 256, outChannels: 256, size: 14, kernel: 3))
        cases.append(convolutionCase("conv1x1.fwdbwd.1024to256c14x14.b5", batch: 5, channels: 1024, outChannels: 256, size: 14, kernel: 1))
        cases.append(convolutionCase("conv3x3.fwdbwd.64c256x256.b1", batch: 1, channels: 64, outChannels: 64, size: 256, kernel: 3))
        cases += VitBlockBenchmark.cases
        return cases
    }

    private static func sgemmCase(m: Int, k: Int, n: Int) -> BenchmarkCase {
        BenchmarkCase("sgemm.\(m)x\(k)x\(n)", flops: 2.0 * Double(m * k * n)) {
            let a = random([m, k], seed: 10), b = random([n, k], seed: 11), c = Tensor(zeros: [m, n])
            return {
                sgemm(
                    transposeA: false, transposeB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer,
                    ldc: n)
            }
        }
    }

    private static func convolutionCase(_ name: String, batch: Int, channels: Int, outChannels: Int, size: Int, kernel: Int)
        -> BenchmarkCase
    {
        let flops = 2.0 * 2 * Double(batch * outChannels * size * size * channels * kernel * kernel)
        return BenchmarkCase(name, flops: flops) {
            let x = random([batch, channels, size, size], seed: 9, requiresGrad: true)
            let w = random([outChannels, channels, kernel, kernel], seed: 10)
            return {
                conv2d(x, weight: w, padding: kernel / 2).sum().backward()
                x.zeroGrad()
            }
        }
    }
}

func random(_ shape: [Int], seed: UInt64, requiresGrad: Bool = false) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let tensor = Tensor.uniform(shape, -1, 1, generator: &generator)
    tensor.requiresGrad = requiresGrad
    return tensor
}
