import Foundation
import Models

/// The small deterministic CLIP the method commands run in tests, written as a user's
/// safetensors checkpoint would arrive.
enum TinyModelFile {
    static let architecture = CLIPArchitecture(
        vision: .transformer(width: 64, layers: 1, patchSize: 16), imageResolution: 64, embedDimension: 32,
        textWidth: 64, textLayers: 1)

    /// Writes the model to `path`.
    static func write(to path: String) throws {
        try CLIPCommandTests.safetensors(SyntheticWeights.stateDict(for: architecture)).write(to: URL(fileURLWithPath: path))
    }
}
