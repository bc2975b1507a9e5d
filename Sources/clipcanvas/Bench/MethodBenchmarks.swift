import Methods
import Models
import Tensor

/// One full step of each method at its reference size, with synthetic weights of the real
/// architecture (speed does not depend on the values). Each reports its stages.
enum MethodBenchmarks {
    static var cases: [BenchmarkCase] {
        [
            BenchmarkCase.staged("iter.clipdraw") {
                // The preset as users run it: 256 strokes, 4 augmentations, ViT-B/32. The method
                // never finishes here: each timed run is one more step of a long run.
                var recipe = try! Preset.load("clipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
                recipe.iterations = CountLimits.iterations
                let drawing = try! CLIPDraw(prompt: "a red bicycle", configuration: recipe, model: model("ViT-B/32"), seed: 1)
                return { drawing.step().stages }
            }.bounded(by: StepBound(flops: Double(preset("clipdraw", CLIPDraw.Configuration.self).augmentations) * 2 * vitB32)),
            BenchmarkCase.staged("iter.styleclipdraw") {
                // StyleCLIPDraw's preset with a 224x224 style image: 10 augmentations through
                // ViT-B/32, VGG16 on the render and the style loss (1024 locations against
                // 5 x 1000 style pixels), all backward. A step of the first 90%, with CLIP on.
                var recipe = try! Preset.load("styleclipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
                recipe.iterations = CountLimits.iterations
                var generator = SeededGenerator(seed: 4)
                let style = DrawingStyle(
                    image: Tensor.uniform([3, 224, 224], 0, 1, generator: &generator), network: VGG16Features.synthetic(seed: 16))
                let drawing = try! CLIPDraw(
                    prompt: "a red bicycle", configuration: recipe, model: model("ViT-B/32"), seed: 1, style: style)
                return { drawing.step().stages }
            },
            BenchmarkCase.staged("iter.clipag") {
                // The preset at 224: 32 views + 32 patches through ViT-B/32, forward and backward.
                var recipe = try! Preset.load("clipag", method: "clipag", as: CLIPAG.Configuration.self)
                recipe.iterations = CountLimits.iterations
                recipe.initCandidates = 1
                let painting = try! CLIPAG(prompt: "a red bicycle", configuration: recipe, model: model("ViT-B/32"), seed: 1)
                return { painting.step().stages }
            }.bounded(by: clipagBound),
            BenchmarkCase.staged("iter.clipasso") { clipassoStep(preset: "clipasso") }.bounded(by: clipassoBound),
            BenchmarkCase.staged("iter.clipasso.fast") { clipassoStep(preset: "clipasso-fast") },
            // The sketch's copies through RN101 one at a time ("views_per_pass": 1): what the
            // preset's one batch of 5 costs in memory and saves in time.
            BenchmarkCase.staged("iter.clipasso.single") { clipassoStep(preset: "clipasso", viewsPerPass: 1) }.bounded(by: clipassoBound),
            clipstyler("iter.clipstyler", preset: "clipstyler", content: .vgg19(VGG19Features.synthetic(seed: 19))).bounded(
                by: clipstylerBound),
            clipstyler("iter.clipstyler.clip-content", preset: "clipstyler", content: .clipFeatures),
            clipstyler("iter.clipstyler.fast", preset: "clipstyler-fast", content: .vgg19(VGG19Features.synthetic(seed: 19))),
        ].map { $0.followingPrecision() }
    }

    /// One ViT-B/32 image forward; a forward + input gradient is twice it.
    private static var vitB32: Double { ImageTowerFlops.forward(CLIPArchitecture.known["ViT-B/32"]!, images: 1) }

    /// A method's default preset (named as the method).
    private static func preset<Configuration: Decodable>(_ method: String, _ type: Configuration.Type) -> Configuration {
        try! Preset.load(method, method: method, as: type)
    }

    /// CLIPAG: every global view and patch through ViT-B/32, forward and input gradient.
    private static var clipagBound: StepBound {
        let recipe = preset("clipag", CLIPAG.Configuration.self)
        return StepBound(flops: Double(recipe.globalViews + recipe.patches) * 2 * vitB32)
    }

    /// CLIPasso: the clean sketch and its augmented copies through the geometric model forward
    /// and back, and the photo's augmented copies forward (its clean copy is computed once).
    private static var clipassoBound: StepBound {
        let recipe = preset("clipasso", CLIPasso.Configuration.self)
        let pass = ImageTowerFlops.forward(CLIPArchitecture.known[recipe.geometricModel]!, images: 1)
        return StepBound(flops: Double(1 + recipe.augmentations) * 2 * pass + Double(recipe.augmentations) * pass)
    }

    /// CLIPstyler's patches stage: every patch through ViT-B/32, forward and input gradient.
    private static var clipstylerBound: StepBound {
        StepBound(flops: Double(preset("clipstyler", CLIPstyler.Configuration.self).patches) * 2 * vitB32, stage: "clip patches")
    }

    /// One CLIPasso step at the preset's 16 strokes: 5 copies of sketch (forward and backward)
    /// and 4 augmented copies of the photo (forward; its clean copy is computed once) through
    /// the geometric model. The photo is noise: speed does not depend on it.
    static func clipassoStep(preset: String, viewsPerPass: Int? = nil) -> () -> [StageTime] {
        var recipe = try! Preset.load(preset, method: "clipasso", as: CLIPasso.Configuration.self)
        if let viewsPerPass { recipe.viewsPerPass = viewsPerPass }
        recipe.iterations = CountLimits.iterations
        // Evaluate only at the first step, so early stopping never ends the timed run.
        recipe.evalInterval = 1_000_000
        // Strokes start uniformly: a step costs the same, and the saliency model (loaded, used
        // and freed before the geometric one in a real run) stays out of the memory figure.
        recipe.saliencyInit = false
        var generator = SeededGenerator(seed: 3)
        let photo = Tensor.uniform([3, 224, 224], 0, 1, generator: &generator)
        let geometric = model(recipe.geometricModel)
        geometric.releaseTextTower()
        let target = try! SketchTarget(photo: photo, configuration: recipe, geometricModel: geometric, saliency: nil)
        let sketch = try! CLIPasso(target: target, configuration: recipe, seed: 1)
        return { sketch.step().stages }
    }

    /// One CLIPstyler training step on a 512x512 photo as the preset runs it: the patches and the
    /// global view through ViT-B/32, the content network, backward through CLIP and the U-Net, Adam.
    static func clipstyler(_ name: String, preset: String, content: @autoclosure @escaping () -> ContentNetwork) -> BenchmarkCase {
        BenchmarkCase.staged(name) {
            var recipe = try! Preset.load(preset, method: "clipstyler", as: CLIPstyler.Configuration.self)
            recipe.iterations = CountLimits.iterations
            var generator = SeededGenerator(seed: 2)
            let photo = Tensor.uniform([3, 512, 512], 0, 1, generator: &generator)
            let styler = try! CLIPstyler(
                photo: photo, style: "oil painting of flowers", configuration: recipe, model: model("ViT-B/32"), contentNetwork: content(),
                seed: 1)
            return { styler.step().stages }
        }
    }

    static func model(_ name: String) -> CLIPModel { BenchSettings.model(name) }
}
