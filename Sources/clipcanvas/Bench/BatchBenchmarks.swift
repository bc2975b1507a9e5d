import Foundation
import Models

/// What `clipcanvas batch` adds to a job: the same short `draw` on a tiny CLIP (written to a
/// temporary safetensors file), run as the command runs it and as a batch job runs it (the
/// lock, the events file, reading the events back, the atomic result record). The model is
/// loaded once before either is timed, as a batch shares it; the difference of the two medians
/// is the batch's overhead per job.
enum BatchBenchmarks {
    static var cases: [BenchmarkCase] {
        [
            BenchmarkCase("batch.job.direct") {
                let files = prepare()
                return {
                    var command = try! Draw.parseAsRoot(files.arguments + ["--quiet", "--output=\(files.folder)/direct.svg"])
                    try! command.run()
                }
            },
            BenchmarkCase("batch.job.batch") {
                let files = prepare()
                let line = try! JSONSerialization.data(withJSONObject: [
                    "id": "job", "command": "draw",
                    "args": ["prompt": files.arguments[0], "model": files.model, "paths": 4, "canvas": 64, "iterations": 2],
                ])
                let job = try! Job(text: String(decoding: line, as: UTF8.self), line: 1, index: 0)
                let runner = JobRunner(batchFolder: files.folder, shard: .all, retries: 0, checkpointEvery: 10)
                let folder = JobFolder(batch: files.folder, id: job.id)
                return {
                    // Each run is the job's first: no result yet, an empty events file.
                    try? FileManager.default.removeItem(atPath: folder.result)
                    try? FileManager.default.removeItem(atPath: folder.events)
                    guard case .done = try! runner.run(job) else { preconditionFailure("the benchmark job did not finish") }
                }
            },
        ]
    }

    /// The tiny model in a temporary folder, loaded once into the process's shared models.
    private static func prepare() -> (folder: String, model: String, arguments: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clipcanvas-bench-batch-\(getpid())").path
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = folder + "/tiny.safetensors"
        let architecture = CLIPArchitecture(
            vision: .transformer(width: 64, layers: 1, patchSize: 16), imageResolution: 64, embedDimension: 32, textWidth: 64,
            textLayers: 1)
        try! Safetensors.encode(SyntheticWeights.stateDict(for: architecture)).write(to: URL(fileURLWithPath: model))
        ModelOptions.sharedModels = ModelOptions.sharedModels ?? CLIPModelCache()
        var loader = CLIPLoader()
        loader.cache = ModelOptions.sharedModels
        _ = try! loader.load(model)
        return (folder, model, ["a lighthouse", "--model=\(model)", "--paths=4", "--canvas=64", "--iterations=2"])
    }
}
