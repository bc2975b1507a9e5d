import ArgumentParser
import Foundation
import Models

/// `--model NAME|PATH` and how to read it, shared by every command that runs CLIP. The name goes
/// to Models once, through `loader` (a method command first lays it over its preset's model).
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A known model name (see `clipcanvas models`) or a weights file (.pt, .bin, .safetensors). Default: ViT-B/32, or the preset's model.")
    var model: String?

    @Option(help: "MLP activation of the checkpoint: quickgelu (OpenAI's) or gelu (OpenCLIP models trained with exact GELU). Default: a Hugging Face config.json beside the file, else quickgelu.")
    var activation: CLIPArchitecture.Activation?

    @Flag(help: "Never download: fail with instructions if the model is not on this machine.")
    var offline = false

    /// Reads models with `--activation` and `--offline`, drawing a download bar on stderr.
    var loader: CLIPLoader {
        CLIPLoader(activation: activation, allowDownload: !offline) { DownloadProgress(label: $0) }
    }

    /// The model `--model` names, ViT-B/32 when none is given: for commands without a preset.
    func load() throws -> CLIPModel {
        try loader.load(model ?? "ViT-B/32")
    }
}

extension CLIPArchitecture.Activation: ExpressibleByArgument {}

/// A one-line download progress bar on stderr, redrawn at most ten times a second.
final class DownloadProgress: DownloadProgressReporter, @unchecked Sendable {
    private let label: String
    private var lastDraw = 0.0
    private var drew = false

    init(label: String) { self.label = label }

    func update(_ written: Int64, _ total: Int64?) {
        let now = Date().timeIntervalSince1970
        guard now - lastDraw > 0.1 || written == total else { return }
        lastDraw = now
        drew = true
        let megabytes = Double(written) / 1_048_576
        if let total, total > 0 {
            let fraction = Double(written) / Double(total)
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            printToStandardError(String(format: "\rdownloading %@ [%@] %.0f%% %.1f MB", label, bar, fraction * 100, megabytes), newline: false)
        } else {
            printToStandardError(String(format: "\rdownloading %@ %.1f MB", label, megabytes), newline: false)
        }
    }

    func finish() {
        if drew { printToStandardError("") }
    }
}
