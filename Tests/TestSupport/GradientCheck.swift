@_spi(Testing) import Tensor
import XCTest

/// Central finite differences against the tape's gradients.
///
/// The loss is a fixed random weighting of the op's output, summed in float64, so every output
/// element contributes and rounding in the sum does not swamp the differences. Inputs are
/// perturbed one element at a time (all of them for small tensors, an even sample for large
/// ones). Fresh gradient buffers are filled with NaN during the backward pass (see
/// `FreshGradientPoisoning`). Shared by every test target through TestSupport. Tolerance: float32 forward passes with step h = 1e-2 agree with the analytic gradient
/// to about 1e-3 relative to the gradient's scale; we allow `tolerance` (default 1e-2).
public func checkGradients(
    _ inputs: [Tensor], tolerance: Double = 1e-2, step: Float = 1e-2, maxProbes: Int = 64,
    file: StaticString = #filePath, line: UInt = #line, _ function: ([Tensor]) -> Tensor
) {
    let (weights, analytic) = analyticGradients(inputs, function)

    func weightedLoss() -> Double {
        let values = function(inputs).values
        var total = 0.0
        for i in 0..<values.count { total += Double(values[i]) * Double(weights[i]) }
        return total
    }

    for (inputIndex, input) in inputs.enumerated() {
        let probes = input.count <= maxProbes ? Array(0..<input.count) : (0..<maxProbes).map { $0 * input.count / maxProbes }
        let numeric = centralDifferences(of: input, at: probes, step: step, weightedLoss)
        let exact = probes.map { Double(analytic[inputIndex][$0]) }
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        let worst = zip(numeric, exact).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(
            worst / scale, tolerance,
            "input \(inputIndex) \(input.shape): max |analytic − numeric| = \(worst) at gradient scale \(scale)",
            file: file, line: line)
    }
}

/// The tape's gradient of every input for the loss both finite-difference checks use: a fixed
/// random weighting of `function`'s output (returned, so the differences weight alike). Fresh
/// gradient buffers are poisoned with NaN meanwhile: kernels that store into them must write
/// every element and never add. The inputs are left not requiring gradients, ready for probing.
func analyticGradients(_ inputs: [Tensor], _ function: ([Tensor]) -> Tensor) -> (weights: [Float], analytic: [[Float]]) {
    var generator = SeededGenerator(seed: 99)
    for input in inputs {
        input.requiresGrad = true
        input.zeroGrad()
    }
    let output = function(inputs)
    let weights = Tensor.uniform(output.shape, -1, 1, generator: &generator)
    let wasPoisoning = FreshGradientPoisoning.isEnabled
    FreshGradientPoisoning.isEnabled = true
    (output * weights).sum().backward()
    FreshGradientPoisoning.isEnabled = wasPoisoning
    let analytic = inputs.map { $0.grad?.values ?? Array(repeating: 0, count: $0.count) }
    for input in inputs { input.requiresGrad = false }
    return (weights.values, analytic)
}

public func randomTensor(_ shape: [Int], seed: UInt64, _ low: Float = -1, _ high: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.uniform(shape, low, high, generator: &generator)
}

public func assertClose(
    _ actual: [Float], _ expected: [Double], tolerance: Double, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "element count \(message)", file: file, line: line)
    let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
    XCTAssertLessThan(worst, tolerance, "max abs difference \(worst) \(message)", file: file, line: line)
}

/// Central difference quotients (loss(x + h) − loss(x − h)) / 2h of `loss` with respect to the
/// `elements` of `tensor` (all of them by default), perturbing one element at a time in place and
/// restoring it.
public func centralDifferences(of tensor: Tensor, at elements: [Int]? = nil, step: Float, _ loss: () -> Double) -> [Double] {
    (elements ?? Array(0..<tensor.count)).map { element in
        let original = tensor.pointer[element]
        tensor.pointer[element] = original + step
        let plus = loss()
        tensor.pointer[element] = original - step
        let minus = loss()
        tensor.pointer[element] = original
        return (plus - minus) / (2 * Double(step))
    }
}
