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
        ].map { $0.followingPrecision() }
    }

    private static func vitB32() -> CLIPModel { BenchSettings.model("ViT-B/32") }
}
