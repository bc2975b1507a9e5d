import Foundation
import Tensor
import TestSupport
import XCTest

/// Reference outputs written by `Tools/fixtures/make_tensor_fixtures.py` (PyTorch).
///
/// Each case names an op, its parameters, its inputs as (seed, shape, low, high) and PyTorch's
/// output. Inputs are not stored: both sides regenerate them with
/// `SeededGenerator.counterUniform`, which `generator` samples prove the script mirrors.
struct TensorFixtures: Decodable {
    struct GeneratorSample: Decodable {
        /// Decimal strings: 64-bit values do not survive a JSON number.
        let seed: String
        let index: String
        let bits: String
        let value: Double
    }

    struct InputSpec: Decodable {
        let seed: UInt64
        let shape: [Int]
        let low: Float
        let high: Float

        /// low + (high − low) · u per element, in float32 as the script computes it.
        func tensor() -> Tensor {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { low + (high - low) * SeededGenerator.counterUniform(seed: seed, index: UInt64($0)) }
            return Tensor(shape: shape, values: values)
        }
    }

    enum Parameter: Decodable {
        case bool(Bool)
        case number(Double)
        case text(String)
        case list([Double])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else {
                self = .list(try container.decode([Double].self))
            }
        }
    }

    struct Case: Decodable {
        let name: String
        let op: String
        let inputs: [String: InputSpec]
        let parameters: [String: Parameter]
        let shape: [Int]
        let output: [Double]

        func int(_ key: String) -> Int {
            guard case .number(let value) = parameters[key] else { preconditionFailure("\(name): no integer \(key)") }
            return Int(value)
        }

        func pair(_ key: String) -> (Int, Int) {
            guard case .list(let values) = parameters[key], values.count == 2 else { preconditionFailure("\(name): no pair \(key)") }
            return (Int(values[0]), Int(values[1]))
        }

        func bool(_ key: String) -> Bool {
            guard case .bool(let value) = parameters[key] else { preconditionFailure("\(name): no flag \(key)") }
            return value
        }

        func text(_ key: String) -> String {
            guard case .text(let value) = parameters[key] else { preconditionFailure("\(name): no string \(key)") }
            return value
        }
    }

    let torch: String
    let generator: [GeneratorSample]
    let cases: [Case]

    static let shared: TensorFixtures = {
        do {
            return try Fixtures(Bundle.module).decode(TensorFixtures.self, from: "tensor_fixtures.json")
        } catch {
            preconditionFailure("cannot read Fixtures/tensor_fixtures.json: \(error)")
        }
    }()

    /// Runs `compute` on the regenerated inputs of every case of `op` and compares with
    /// PyTorch within 1e-5, relative for values above 1. Prints the worst difference per op, as
    /// llm.c's `test_gpt2` does, so a report can quote it.
    /// `only` restricts the cases to those with a given string parameter (a resize mode).
    static func check(
        op: String, only: (key: String, value: String)? = nil, tolerance: Double = 1e-5,
        file: StaticString = #filePath, line: UInt = #line, _ compute: (Case, [String: Tensor]) -> Tensor
    ) {
        let cases = shared.cases.filter { fixture in
            guard fixture.op == op else { return false }
            guard let only else { return true }
            if case .text(let value) = fixture.parameters[only.key] { return value == only.value }
            return false
        }
        let label = only.map { "\(op) \($0.value)" } ?? op
        XCTAssertFalse(cases.isEmpty, "no fixtures for \(label)", file: file, line: line)
        var worstOverall = 0.0, worstScaledOverall = 0.0
        for fixture in cases {
            let inputs = fixture.inputs.mapValues { $0.tensor() }
            let actual = compute(fixture, inputs)
            XCTAssertEqual(actual.shape, fixture.shape, "\(fixture.name): shape", file: file, line: line)
            guard actual.shape == fixture.shape else { continue }
            var worst = 0.0, worstScaled = 0.0
            for (value, expected) in zip(actual.values, fixture.output) {
                let difference = abs(Double(value) - expected)
                worst = max(worst, difference)
                worstScaled = max(worstScaled, difference / max(1, abs(expected)))
            }
            XCTAssertLessThanOrEqual(worstScaled, tolerance, "\(fixture.name): max |Swift − PyTorch| = \(worst)", file: file, line: line)
            worstOverall = max(worstOverall, worst)
            worstScaledOverall = max(worstScaledOverall, worstScaled)
        }
        print(
            "PyTorch parity \(label): \(cases.count) cases, max |Swift − PyTorch| = \(worstOverall), relative to max(1, |PyTorch|): \(worstScaledOverall)"
        )
    }
}
