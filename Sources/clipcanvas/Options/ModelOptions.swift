import ArgumentParser
import Foundation
import Models

/// `--model NAME|PATH` and how to read it, shared by every command that runs CLIP. The name goes
/// to Models once, through `loader` (a method command first lays it over its preset's model).
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "A known model name (see `clipcanvas models`) or a weights file (.pt, .bin, .safetensors). Default: ViT-B/32, or the preset's model."
    )
    var model: String?

    @Option(
        help:
            "MLP activation of the checkpoint: quickgelu (OpenAI's) or gelu (OpenCLIP models trained with exact GELU). Default: a Hugging Face config.json beside the file, else quickgelu."
    )
    var activation: CLIPArchitecture.Activation?

    @Flag(help: "Never download: fail with instructions if the model is not on this machine.")
    var offline = false

    @Option(
        help:
            "Arithmetic of the image tower's linear layers: fp32 (exact), int8 or bf16 (faster, approximate; bf16 needs a CPU with AVX-512 BF16)."
    )
    var precision: CLIPPrecision = .fp32

    func validate() throws {
        if let reason = precision.unavailableReason { throw ValidationError("--precision \(precision.rawValue): \(reason)") }
    }

    /// Models this process keeps between runs: set by `clipcanvas batch` before its first job
    /// (a single run keeps none, so a method can free its text tower).
    nonisolated(unsafe) static var sharedModels: CLIPModelCache?

    /// Reads models with `--activation`, `--offline` and `--precision`, drawing a download bar on stderr.
    var loader: CLIPLoader {
        var loader = CLIPLoader(activation: activation, allowDownload: !offline) { DownloadProgress(label: $0) }
        loader.precision = precision
        loader.cache = Self.sharedModels
        return loader
    }

    /// The model `--model` names, ViT-B/32 when none is given: for commands without a preset.
    func load() throws -> CLIPModel {
        try loader.load(model ?? "ViT-B/32")
    }
}

extension CLIPPrecision: ExpressibleByArgument {}

extension CLIPArchitecture.Activation: ExpressibleByArgument {
    /// The values the help and a refused value list.
    public static var allValueStrings: [String] { [Self.quickGELU, .gelu].map(\.rawValue) }
}
