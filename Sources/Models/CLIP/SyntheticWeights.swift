import Tensor

/// Deterministic stand-in weights for a CLIP architecture, for parity tests and benchmarks on
/// machines without the real checkpoints.
///
/// Element `i` of tensor `name` is `center + scale * (2u − 1)` with
/// `u = SeededGenerator.counterUniform(seed: fnv1a64(name) ^ seed, index: i)`; `center` and
/// `scale` depend only on the name and shape (see `distribution`), chosen so activations stay of
/// order one through every layer, as trained weights keep them. `Tools/fixtures/reference_setup.py`
/// implements the same rule to load identical weights into the PyTorch reference.
public enum SyntheticWeights {
    public static func stateDict(for architecture: CLIPArchitecture, seed: UInt64 = 0) -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (name, shape) in architecture.parameterShapes {
            tensors[name] = tensor(name: name, shape: shape, seed: seed)
        }
        return tensors
    }

    public static func tensor(name: String, shape: [Int], seed: UInt64 = 0) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let (center, scale) = distribution(name: name, shape: shape)
        let stream = fnv1a64(name) ^ seed
        let values = result.pointer
        Parallel.forEachChunk(result.count, grain: 65_536) { range in
            for i in range {
                let u = SeededGenerator.counterUniform(seed: stream, index: UInt64(i))
                values[i] = center + scale * (2 * u - 1)
            }
        }
        return result
    }

    /// (center, half-range) of the uniform distribution for one tensor.
    static func distribution(name: String, shape: [Int]) -> (Float, Float) {
        let leaf = name.split(separator: ".").last.map(String.init) ?? name
        if name == "logit_scale" { return (2.659_260_1, 0) }  // log(1 / 0.07), CLIP's initial value
        if leaf == "running_var" { return (1, 0.5) }
        if leaf == "running_mean" { return (0, 0.1) }
        let isNorm =
            name.contains(".ln_") || name.hasPrefix("ln_") || name.contains(".bn") || name.contains("downsample.1")
            || name.hasPrefix("visual.ln_")
        if isNorm { return leaf == "weight" ? (1, 0.1) : (0, 0.05) }
        if leaf == "bias" || leaf == "in_proj_bias" { return (0, 0.02) }
        if leaf == "positional_embedding" || name == "token_embedding.weight" { return (0, 0.05) }
        if name == "visual.class_embedding" { return (0, (3 / Float(shape[0])).squareRoot()) }
        // Projections used as x · P ([in, out]): fan-in is the first axis.
        if name == "visual.proj" || name == "text_projection" { return (0, (3 / Float(shape[0])).squareRoot()) }
        // Linear and convolution weights [out, in, ...]: uniform with variance 1 / fan-in.
        let fanIn = shape.dropFirst().reduce(1, *)
        return (0, (3 / Float(max(fanIn, 1))).squareRoot())
    }

    /// FNV-1a, 64-bit, of the name's UTF-8 bytes: a stable per-tensor stream id.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
