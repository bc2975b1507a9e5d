import ArgumentParser
import Foundation
import Models
import Tensor

/// `--model NAME|PATH` and how to read it, shared by every command that runs CLIP.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A known model name (see `clipcanvas models`) or a weights file (.pt, .bin, .safetensors). Default: ViT-B/32, or the preset's model.")
    var model: String?

    @Option(help: "MLP activation of the checkpoint: quickgelu (OpenAI's) or gelu (OpenCLIP models trained with exact GELU). Default: a Hugging Face config.json beside the file, else quickgelu.")
    var activation: String?

    @Flag(help: "Never download: fail with instructions if the model is not on this machine.")
    var offline = false

    func validate() throws {
        if let activation, CLIPArchitecture.Activation(rawValue: activation) == nil {
            throw ValidationError("--activation must be quickgelu or gelu, not \(activation)")
        }
    }

    /// Resolves, downloads if needed (with a progress bar on stderr) and builds the model named by
    /// `--model`, else `defaultModel` (a method's preset names its model).
    func load(defaultModel: String = "ViT-B/32", note: ((String) -> Void)? = nil) throws -> CLIPModel {
        try load(named: model ?? defaultModel, note: note)
    }

    /// Builds the model `model` (a name or a file) with these options' `--activation` and
    /// `--offline`: for commands that run a second model (sketch's geometric model).
    /// `note` hears what is happening (loading takes seconds): the file and its size.
    func load(named model: String, note: ((String) -> Void)? = nil) throws -> CLIPModel {
        let store = ModelStore()
        let progress = DownloadProgress(label: model)
        let file = try store.resolve(model, allowDownload: !offline) { written, total in progress.update(written, total) }
        progress.finish()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        note?("loading \(model)" + (model == file.path ? "" : " from \(file.path)") + (bytes.map { String(format: " (%.0f MB)", Double($0) / 1e6) } ?? "") + "…")
        let weights = try StateDict.load(file)
        try weights.checkFinite()
        let chosen = activation.flatMap(CLIPArchitecture.Activation.init(rawValue:)) ?? weights.activation ?? .quickGELU
        return try CLIPModel(weights: weights.tensors, name: file.lastPathComponent, activation: chosen)
    }
}

/// A one-line download progress bar on stderr, redrawn at most ten times a second.
final class DownloadProgress: @unchecked Sendable {
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
