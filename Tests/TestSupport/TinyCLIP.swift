import Foundation
import Models
import Tensor

/// A small CLIP with deterministic weights (the parity tests' generator): fast enough to run
/// whole methods in tests, and the same on every machine.
public enum TinyCLIP {
    public static let architecture = CLIPArchitecture(
        vision: .transformer(width: 64, layers: 1, patchSize: 16), imageResolution: 64, embedDimension: 32,
        textWidth: 64, textLayers: 1)

    /// A fresh model (methods release the text tower, so each run gets its own).
    public static func model(_ architecture: CLIPArchitecture = architecture) throws -> CLIPModel {
        try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "tiny")
    }

    /// Writes the model to `path` as a safetensors checkpoint, as a user's file would arrive (the
    /// method commands' tests run the binary on it).
    public static func write(_ architecture: CLIPArchitecture = architecture, to path: String) throws {
        try safetensors(SyntheticWeights.stateDict(for: architecture)).write(to: URL(fileURLWithPath: path))
    }

    /// `tensors` in the safetensors format (float32, names sorted, header padded to 8 bytes).
    public static func safetensors(_ tensors: [String: Tensor]) throws -> Data {
        try Safetensors.encode(tensors)
    }
}
