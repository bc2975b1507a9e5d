import Foundation
import Tensor
import TestSupport

/// Reference values of CLIPstyler's losses, written by `Tools/fixtures/make_styler_fixtures.py`
/// (PyTorch, float64, computed as train_CLIPstyler.py computes them). The inputs are small and
/// stored in the file.
struct StylerLossFixtures: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]

        var tensor: Tensor { Tensor(shape: shape, values: values) }
    }

    let templates: [String]
    let threshold: Float
    let styleTemplates: Values
    let sourceTemplates: Values
    let textDirection: Values
    let sourceImage: Values
    let patchEmbeddings: Values
    let perPatchLosses: Values
    let patchLoss: Double
    let patchGradient: Values
    let globalEmbedding: Values
    let globalLoss: Double
    let globalGradient: Values
    let contentFeatures: [Values]
    let contentTargets: [Values]
    let contentLoss: Double
    let contentGradients: [Values]
    let tvImage: Values
    let tvLoss: Double
    let tvGradient: Values

    static func load() throws -> StylerLossFixtures {
        try Fixtures(Bundle.module).decode(StylerLossFixtures.self, from: "clipstyler_losses.json", snakeCase: true)
    }
}
