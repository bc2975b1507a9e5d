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
                recipe.iterations = 1_000_000
                let drawing = try! CLIPDraw(prompt: "a red bicycle", configuration: recipe, model: model("ViT-B/32"), seed: 1)
                return { drawing.step().stages }
            },
            BenchmarkCase.staged("iter.clipag") {
                // The preset at 224: 32 views + 32 patches through ViT-B/32, forward and backward.
                var recipe = try! Preset.load("clipag", method: "clipag", as: CLIPAG.Configuration.self)
                recipe.iterations = 1_000_000
                recipe.initCandidates = 1
                let painting = try! CLIPAG(prompt: "a red bicycle", configuration: recipe, model: model("ViT-B/32"), seed: 1)
                return { painting.step().stages }
            },
        ]
    }

    static func model(_ name: String) -> CLIPModel {
        let architecture = CLIPArchitecture.known[name]!
        return try! CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: name)
    }
}
