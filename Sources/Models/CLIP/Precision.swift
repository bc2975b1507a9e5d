import Tensor

/// The arithmetic of the image tower's linear layers (`--precision`): float32 (the default, exact
/// parity with the reference), int8 (weights per output channel, activations per row, through
/// oneDNN's integer GEMM) or bf16 (oneDNN's bf16 matmul; needs native instructions). The text
/// tower always runs in float32: it runs once per prompt, not once per step.
public enum CLIPPrecision: String, CaseIterable, Sendable {
    case fp32, int8, bf16

    /// Why this CPU cannot run `self`, or `nil` when it can.
    public var unavailableReason: String? {
        guard self == .bf16, !ReducedPrecisionRuntime.hasNativeBFloat16 else { return nil }
        return "this CPU has no bf16 instructions (AVX-512 BF16 or AMX), where bf16 would be slower than float32; "
            + "use --precision int8 or fp32"
    }
}

/// A frozen linear layer [out, in] (+ bias) of the image tower, in the tower's precision. The
/// float32 weight stays: it is what a checkpoint holds, and what fp32 multiplies with.
final class FrozenLinear {
    let weight: Tensor
    let bias: Tensor?
    private var reduced: Reduced = .none

    private enum Reduced {
        case none
        case int8(Int8LinearWeight)
        case bf16(BFloat16LinearWeight)
    }

    init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    /// Prepares the weight for `precision` (quantised once, here).
    func use(_ precision: CLIPPrecision) {
        switch precision {
        case .fp32: reduced = .none
        case .int8: reduced = .int8(Int8LinearWeight(weight))
        case .bf16: reduced = .bf16(BFloat16LinearWeight(weight))
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch reduced {
        case .none: return linear(x, weight: weight, bias: bias)
        case .int8(let prepared): return prepared.linear(x, bias: bias)
        case .bf16(let prepared): return prepared.linear(x, bias: bias)
        }
    }
}

/// `--precision` refused before any work: the CPU lacks what it needs.
public struct PrecisionUnavailable: Error, CustomStringConvertible {
    public let precision: CLIPPrecision
    public var description: String { "cannot use --precision \(precision.rawValue): \(precision.unavailableReason ?? "")" }
}
