import Foundation
import Models
import Tensor
import TestSupport
import XCTest

/// What the step-parity tests share: reading a fixture written by a `Tools/fixtures/make_*_step_fixtures.py`
/// script, the inputs both sides regenerate, and how scalars and values are compared (whole gradients: `assertMatchesInNorm`).
enum StepParity {
    static func fixture<Fixture: Decodable>(_ name: String, as type: Fixture.Type) throws -> Fixture {
        try Fixtures(Bundle.module).decode(Fixture.self, from: name + ".json")
    }

    /// The counter-based uniforms in [0, 1) of `reference_setup.uniform_input(name, shape)`.
    static func uniformInput(_ name: String, _ shape: [Int]) -> Tensor {
        let seed = SyntheticWeights.fnv1a64(name)
        return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { SeededGenerator.counterUniform(seed: seed, index: UInt64($0)) })
    }

    /// A scalar against its reference, relative to the reference's magnitude; returns the relative difference.
    @discardableResult
    static func assertScalar(
        _ actual: Float, _ expected: Double, relative tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) -> Double {
        let difference = abs(Double(actual) - expected) / max(abs(expected), 1e-30)
        print("step parity \(what): \(actual) vs \(expected) (relative \(difference))")
        XCTAssertLessThanOrEqual(difference, tolerance, "\(what): \(actual) vs reference \(expected)", file: file, line: line)
        return difference
    }

    /// Values against their reference: the largest difference relative to the largest reference
    /// magnitude (one number per quantity, robust to elements near zero); returns it.
    @discardableResult
    static func assertValues(
        _ actual: [Float], _ expected: [Double], relative tolerance: Double, _ what: String, file: StaticString = #filePath,
        line: UInt = #line
    ) -> Double {
        XCTAssertEqual(actual.count, expected.count, "\(what): value count", file: file, line: line)
        guard actual.count == expected.count, !expected.isEmpty else { return .infinity }
        let scale = max(expected.map(abs).max()!, 1e-30)
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max()!
        print("step parity \(what): max |diff| \(worst) (relative \(worst / scale))")
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): max |diff| \(worst) at scale \(scale)", file: file, line: line)
        return worst / scale
    }

    /// Every `stride`-th value of `tensor` in row-major order, as the scripts' `strided`.
    static func strided(_ tensor: Tensor, _ stride: Int) -> [Float] {
        MethodsTests.strided(tensor.values, stride: stride)
    }
}
