import Tensor
import XCTest

/// Finite differences for piecewise-smooth functions: networks with ReLUs.
///
/// Perturbing one weight of a block followed by instance norm moves every activation of a channel
/// at once, so with hundreds of ReLU inputs a step often carries one across zero; the central
/// difference then misses the derivative by a jump that does not shrink with the step (only its
/// odds do, and float32 rounding rules out steps small enough). `checkGradients` would fail such
/// probes. Here a probe whose central difference misses is excused when a one-sided difference
/// (forward or backward: the side without the kink) matches the analytic gradient, as the
/// derivative of the piece the point lies on must; at most `maxKinkFraction` of the probes may be
/// excused. A wrong gradient matches neither side.
public func checkPiecewiseGradients(
    _ inputs: [Tensor], tolerance: Double = 1e-2, step: Float = 1e-3, maxProbes: Int = 64, maxKinkFraction: Double = 0.25,
    file: StaticString = #filePath, line: UInt = #line, _ function: ([Tensor]) -> Tensor
) {
    let (weights, analytic) = analyticGradients(inputs, function)

    func weightedLoss() -> Double {
        zip(function(inputs).values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    // Loss at the unperturbed inputs, for the one-sided differences.
    let center = weightedLoss()
    func differences(_ input: Tensor, _ element: Int) -> (central: Double, forward: Double, backward: Double) {
        let original = input.pointer[element]
        input.pointer[element] = original + step
        let plus = weightedLoss()
        input.pointer[element] = original - step
        let minus = weightedLoss()
        input.pointer[element] = original
        let h = Double(step)
        return ((plus - minus) / (2 * h), (plus - center) / h, (center - minus) / h)
    }

    for (inputIndex, input) in inputs.enumerated() {
        let probes = input.count <= maxProbes ? Array(0..<input.count) : (0..<maxProbes).map { $0 * input.count / maxProbes }
        let numeric = probes.map { differences(input, $0) }
        let scale = max(numeric.map { abs($0.central) }.max() ?? 0, 1e-3)
        var kinks = 0
        var worst = 0.0
        for (probe, element) in probes.enumerated() {
            let exact = Double(analytic[inputIndex][element])
            let (central, forward, backward) = numeric[probe]
            let miss = abs(central - exact)
            guard miss / scale >= tolerance else { continue }
            if min(abs(forward - exact), abs(backward - exact)) / scale < tolerance {
                kinks += 1
            } else {
                worst = max(worst, miss)
            }
        }
        XCTAssertLessThan(
            worst / scale, tolerance,
            "input \(inputIndex) \(input.shape): max |analytic − numeric| = \(worst) at gradient scale \(scale), on either side",
            file: file, line: line)
        XCTAssertLessThanOrEqual(
            Double(kinks), maxKinkFraction * Double(probes.count),
            "input \(inputIndex) \(input.shape): \(kinks) of \(probes.count) probes straddle a kink", file: file, line: line)
    }
}
