import Foundation

/// Reference values written by `Tools/fixtures/make_styler_fixtures.py` (PyTorch, float64) into
/// `Fixtures/styler/` of ModelsTests (VGG19) and MethodsTests (CLIPstyler's U-Net).
public enum StylerFixtures {
    public struct Values: Decodable {
        public let shape: [Int]
        public let values: [Float]
    }

    /// A deterministic input: `ReferenceInput.uniform(name, shape)`, whose sum proves both
    /// sides built the same image.
    public struct Input: Decodable {
        public let name: String
        public let shape: [Int]
        public let sum: Double
    }

    public struct UNet: Decodable {
        public struct Parameter: Decodable {
            public let name: String
            public let shape: [Int]
        }

        public let seed: UInt64
        public let input: Input
        /// The reference's `named_parameters()`, in order.
        public let parameters: [Parameter]
        public let output: Values
        /// mean((output − 0.5)²) and its gradient with respect to a few parameters.
        public let loss: Double
        public let gradients: [String: [Float]]
    }

    public struct VGG: Decodable {
        public let input: Input
        public let relu4_2: Values
        public let relu5_2: Values
    }

    /// `name`.json from the `styler` folder of `fixtures`.
    public static func load<T: Decodable>(_ name: String, as type: T.Type, from fixtures: Fixtures) throws -> T {
        try fixtures.decode(T.self, from: "styler/\(name).json")
    }
}
