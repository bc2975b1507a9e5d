import Foundation

/// Reference values written by `Tools/fixtures/make_styler_fixtures.py` (PyTorch, float64) into
/// `Fixtures/styler/`.
enum StylerFixtures {
    struct Values: Decodable {
        let shape: [Int]
        let values: [Float]
    }

    /// A deterministic input: `ParityFixture.uniformInput(name, shape)`, whose sum proves both
    /// sides built the same image.
    struct Input: Decodable {
        let name: String
        let shape: [Int]
        let sum: Double
    }

    struct UNet: Decodable {
        struct Parameter: Decodable {
            let name: String
            let shape: [Int]
        }

        let seed: UInt64
        let input: Input
        /// The reference's `named_parameters()`, in order.
        let parameters: [Parameter]
        let output: Values
        /// mean((output − 0.5)²) and its gradient with respect to a few parameters.
        let loss: Double
        let gradients: [String: [Float]]
    }

    struct VGG: Decodable {
        let input: Input
        let relu4_2: Values
        let relu5_2: Values
    }

    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
            .appendingPathComponent("styler").appendingPathComponent(name + ".json")
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }
}
