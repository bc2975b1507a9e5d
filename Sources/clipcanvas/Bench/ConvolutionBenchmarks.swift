import Methods
import Models
import Tensor

/// The convolution-heavy networks at the sizes the methods run them, each through our
/// convolutions (`.native`) and oneDNN's (`.onednn`) side by side: VGG19 at 512 (CLIPstyler's
/// content pass: forward, and forward + input gradient), CLIPstyler's U-Net at 512 (forward, and
/// forward + backward with its weight gradients), CLIP RN101 at batch 5 (CLIPasso's geometric
/// model: forward, and forward + input gradient). Synthetic weights: speed does not depend on them.
enum ConvolutionBenchmarks {
    static var cases: [BenchmarkCase] {
        var cases: [BenchmarkCase] = []
        for backward in [false, true] {
            for path in [ConvolutionImplementation.native, .oneDNN] {
                let pass = backward ? "fwdbwd" : "fwd"
                cases.append(networkCase("conv.vgg19.512.\(pass).\(path.rawValue)", path: path) { vgg19(backward: backward) })
                cases.append(networkCase("conv.unet.512.\(pass).\(path.rawValue)", path: path) { unet(backward: backward) })
                cases.append(networkCase("conv.rn101.b5.\(pass).\(path.rawValue)", path: path) { rn101(backward: backward) })
            }
        }
        return cases
    }

    /// A case whose every timed run goes through `path`.
    private static func networkCase(_ name: String, path: ConvolutionImplementation, prepare: @escaping () -> () -> Void)
        -> BenchmarkCase
    {
        BenchmarkCase(name) {
            let body = prepare()
            return { ConvolutionRouting.using(path, body) }
        }
    }

    private static func vgg19(backward: Bool) -> () -> Void {
        let network = VGG19Features.synthetic(seed: 19)
        let image = random([1, 3, 512, 512], seed: 50, requiresGrad: backward)
        return {
            let features = network(image)
            guard backward else { return }
            (features.relu4_2.sum() + features.relu5_2.sum()).backward()
            image.zeroGrad()
        }
    }

    private static func unet(backward: Bool) -> () -> Void {
        let network = StylerUNet(seed: 51)
        let image = random([1, 3, 512, 512], seed: 52)
        return {
            let output = network(image)
            guard backward else { return }
            output.sum().backward()
            for parameter in network.parameters { parameter.zeroGrad() }
        }
    }

    private static func rn101(backward: Bool) -> () -> Void {
        let clip = MethodBenchmarks.model("RN101")
        clip.releaseTextTower()
        let images = random([5, 3, clip.imageResolution, clip.imageResolution], seed: 53, requiresGrad: backward)
        return {
            let embedding = clip.imageEmbedding(CLIPModel.normalize(images))
            guard backward else { return }
            embedding.sum().backward()
            images.zeroGrad()
        }
    }
}
