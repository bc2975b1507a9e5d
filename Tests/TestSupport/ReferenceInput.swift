import Models
import Tensor

/// Inputs both sides of a parity test build from a name alone, so no input is committed.
public enum ReferenceInput {
    /// Counter-based uniforms in [0, 1) seeded by the name's FNV-1a hash, as the fixture
    /// scripts' `uniform_input` makes them.
    public static func uniform(_ name: String, _ shape: [Int]) -> Tensor {
        let seed = SyntheticWeights.fnv1a64(name)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { SeededGenerator.counterUniform(seed: seed, index: UInt64($0)) })
    }
}
