// Gradient clipping and parameter clamping, applied between backward and the optimiser step
// (clipping) or after it (clamping).

/// Rescales the gradients of `parameters` so their joint L2 norm is at most `maxNorm`
/// (`torch.nn.utils.clip_grad_norm_`, including its 1e-6 guard). Returns the norm before
/// clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var squares: Double = 0
    for parameter in parameters {
        guard let grad = parameter.grad else { continue }
        for i in 0..<grad.count { squares += Double(grad.pointer[i]) * Double(grad.pointer[i]) }
    }
    let norm = Float(squares.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for parameter in parameters {
            guard let grad = parameter.grad else { continue }
            for i in 0..<grad.count { grad.pointer[i] *= coefficient }
        }
    }
    return norm
}

extension Tensor {
    /// Clamps the values in place (widths to [1, 50], colours to [0, 1] after each step).
    public func clampInPlace(_ low: Float, _ high: Float) {
        let values = pointer
        for i in 0..<count { values[i] = min(max(values[i], low), high) }
    }
}
