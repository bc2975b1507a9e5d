import Tensor
import XCTest

/// Optimisers against their published update rules, computed here in float64.
final class OptimizerTests: XCTestCase {
    private func referenceAdam(theta: Double, gradients: [Double], lr: Double, decoupledDecay: Double = 0, coupledDecay: Double = 0)
        -> Double
    {
        var theta = theta, m = 0.0, v = 0.0
        for (index, g0) in gradients.enumerated() {
            let t = Double(index + 1)
            theta *= 1 - lr * decoupledDecay
            let g = g0 + coupledDecay * theta
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mHat = m / (1 - Foundation.pow(0.9, t)), vHat = v / (1 - Foundation.pow(0.999, t))
            theta -= lr * mHat / (vHat.squareRoot() + 1e-8)
        }
        return theta
    }

    /// Runs `steps` updates with gradient `gradient(step)` on a one-element parameter.
    private func run(_ optimizer: (Tensor) -> Adam, steps: Int, gradient: (Int) -> Float) -> Float {
        let parameter = Tensor(shape: [1], values: [0.5], requiresGrad: true)
        let adam = optimizer(parameter)
        for step in 0..<steps {
            (parameter * gradient(step)).sum().backward()
            adam.update()
        }
        return parameter.values[0]
    }

    func testAdamAndAdamWMatchReference() {
        let gradients = (0..<20).map { Float(sin(Double($0)) + 0.3) }
        let adam = run({ Adam(groups: [ParameterGroup([$0], learningRate: 0.01)]) }, steps: 20) { gradients[$0] }
        XCTAssertEqual(Double(adam), referenceAdam(theta: 0.5, gradients: gradients.map(Double.init), lr: 0.01), accuracy: 1e-6)
        let adamW = run({ Adam.adamW(groups: [ParameterGroup([$0], learningRate: 0.05)], weightDecay: 0.1) }, steps: 20) { gradients[$0] }
        XCTAssertEqual(
            Double(adamW), referenceAdam(theta: 0.5, gradients: gradients.map(Double.init), lr: 0.05, decoupledDecay: 0.1), accuracy: 1e-6)
        let coupled = run({ Adam(groups: [ParameterGroup([$0], learningRate: 0.05)], decay: .coupled(0.1)) }, steps: 20) { gradients[$0] }
        XCTAssertEqual(
            Double(coupled), referenceAdam(theta: 0.5, gradients: gradients.map(Double.init), lr: 0.05, coupledDecay: 0.1), accuracy: 1e-6)
    }

    func testSchedulesAndGroups() {
        XCTAssertEqual(LearningRateSchedule.step(every: 100, gamma: 0.5).factor(atStep: 99), 1)
        XCTAssertEqual(LearningRateSchedule.step(every: 100, gamma: 0.5).factor(atStep: 250), 0.25)
        let drops = LearningRateSchedule.thresholds([.init(atStep: 500, factor: 0.4), .init(atStep: 750, factor: 0.1)])
        XCTAssertEqual(drops.factor(atStep: 499), 1)
        XCTAssertEqual(drops.factor(atStep: 500), 0.4)
        XCTAssertEqual(drops.factor(atStep: 999), 0.1)

        // Each group moves with its own rate: Adam's first step moves every parameter by ~lr.
        let points = Tensor(shape: [2], values: [0, 0], requiresGrad: true)
        let widths = Tensor(shape: [1], values: [0], requiresGrad: true)
        let adam = Adam(groups: [ParameterGroup([points], learningRate: 1.0), ParameterGroup([widths], learningRate: 0.1)])
        (points.sum() + widths.sum()).backward()
        adam.update()
        XCTAssertEqual(points.values[0], -1.0, accuracy: 1e-5)
        XCTAssertEqual(widths.values[0], -0.1, accuracy: 1e-6)
        XCTAssertNil(points.grad, "update clears the gradients")
    }

    func testGradientNormClipping() {
        let a = Tensor(shape: [2], values: [0, 0], requiresGrad: true)
        let b = Tensor(shape: [1], values: [0], requiresGrad: true)
        ((a * Tensor(shape: [2], values: [3, 0])).sum() + (b * 4).sum()).backward()
        let norm = clipGradientNorm([a, b], maxNorm: 0.001)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        let clipped = (a.grad!.values + b.grad!.values).map(Double.init)
        XCTAssertEqual((clipped.map { $0 * $0 }.reduce(0, +)).squareRoot(), 0.001, accuracy: 1e-8)
        XCTAssertEqual(clipped[0] / clipped[2], 0.75, accuracy: 1e-6, "direction kept")
        // Below the threshold nothing changes.
        let small = Tensor(shape: [1], values: [0], requiresGrad: true)
        (small * 0.5).sum().backward()
        clipGradientNorm([small], maxNorm: 1)
        XCTAssertEqual(small.grad!.values, [0.5])
    }
}
