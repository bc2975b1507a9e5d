import Models
import Tensor

/// CLIP towers at full size with synthetic weights (timing does not depend on the values):
/// forward, and forward + input-gradient backward with the weights frozen, as the methods run.
enum CLIPBenchmarks {
    static var cases: [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        for batch in [1, 4, 8] {
            cases.append(imageCase("vitb32.fwd.b\(batch)", model: "ViT-B/32", batch: batch, backward: false))
            cases.append(imageCase("vitb32.fwdbwd.b\(batch)", model: "ViT-B/32", batch: batch, backward: true))
        }
        cases.append(imageCase("rn101.fwd.b5", model: "RN101", batch: 5, backward: false))
        cases.append(imageCase("rn101.fwdbwd.b5", model: "RN101", batch: 5, backward: true))
        return cases.map { $0.followingPrecision() }
    }

    /// Matmul FLOPs of one ViT-B/32 image forward: patch embedding, 11 full blocks, the last
    /// block for the class token alone (keys and values for all 50 tokens; query, output
    /// projection and MLP for one), projection.
    static func vitB32ForwardFlops(batch: Int) -> Double {
        let tokens = 50.0, width = 768.0, images = Double(batch)
        let patchEmbedding = 2 * images * 49 * 3072 * width
        let perBlock = 2 * images * tokens * width * (3 * width + width + 4 * width + 4 * width)
        let attention = 2 * 2 * images * 12 * tokens * tokens * 64
        let lastBlock =
            2 * images * (tokens * width * 2 * width + width * (width + width + 4 * width + 4 * width)) + 2 * 2 * images * 12 * tokens * 64
        return patchEmbedding + 11 * (perBlock + attention) + lastBlock + 2 * images * width * 512
    }

    private static func imageCase(_ name: String, model: String, batch: Int, backward: Bool) -> BenchmarkCase {
        let forward = model == "ViT-B/32" ? vitB32ForwardFlops(batch: batch) : nil
        return BenchmarkCase(name, flops: forward.map { backward ? 2 * $0 : $0 }) {
            let clip = BenchSettings.model(model)
            let architecture = clip.architecture
            clip.releaseTextTower()
            let resolution = clip.imageResolution
            let images = random([batch, 3, resolution, resolution], seed: 40, requiresGrad: backward)
            let direction = l2Normalize(random([1, architecture.embedDimension], seed: 41))
            return {
                let embedding = clip.imageEmbedding(CLIPModel.normalize(images))
                if backward {
                    (l2Normalize(embedding) * direction).sum().backward()
                    images.zeroGrad()
                }
            }
        }
    }
}
