import Models

/// A small CLIP with deterministic weights (the parity tests' generator): fast enough to run
/// whole methods in tests, and the same on every machine.
enum TinyCLIP {
    static let architecture = CLIPArchitecture(
        vision: .transformer(width: 64, layers: 1, patchSize: 16), imageResolution: 64, embedDimension: 32,
        textWidth: 64, textLayers: 1)

    /// A fresh model (methods release the text tower, so each run gets its own).
    static func model() throws -> CLIPModel {
        try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "tiny")
    }
}
