import Guidance
import Models

/// What `--watch` costs with ViT-B/32 (synthetic weights): embedding the shipped nouns once at
/// the start, and one reading (CLIPDraw's 256-path scene rendered at 224, preprocessed, one
/// image forward, ranked), which `--watch N` spends every N steps.
enum WatchBenchmarks {
    static var cases: [BenchmarkCase] {
        [
            BenchmarkCase("watch.labels.vitb32") {
                let model = vitB32()
                return {
                    _ = try! LabelWatch(labels: LabelWatch.commonNouns, template: Watching.drawing, prompt: "a lighthouse", model: model)
                }
            },
            BenchmarkCase("watch.read.vitb32") {
                let watch = try! LabelWatch(
                    labels: LabelWatch.commonNouns, template: Watching.drawing, prompt: "a lighthouse", model: vitB32())
                let scene = RasterBenchmarks.clipDrawScene
                return { _ = try! Watching.read(.scene(scene), with: watch) }
            },
        ]
    }

    private static func vitB32() -> CLIPModel {
        let architecture = CLIPArchitecture.known["ViT-B/32"]!
        return try! CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "ViT-B/32")
    }
}
