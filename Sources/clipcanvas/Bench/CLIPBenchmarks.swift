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

    private static func imageCase(_ name: String, model: String, batch: Int, backward: Bool) -> BenchmarkCase {
        let forward = ImageTowerFlops.forward(CLIPArchitecture.known[model]!, images: batch)
        return BenchmarkCase(name, flops: backward ? 2 * forward : forward) {
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
