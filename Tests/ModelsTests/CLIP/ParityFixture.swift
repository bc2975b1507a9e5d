import Foundation
import Models
import Tensor
import XCTest

/// Reference outputs written by `Tools/parity/make_clip_fixtures.py` (PyTorch + open_clip):
/// float32 arrays in one .bin file, indexed by a JSON file of names, shapes and offsets.
struct ParityFixture {
    struct Entry: Decodable {
        let shape: [Int]
        let offset: Int
        let count: Int
    }
    struct Index: Decodable {
        let tensors: [String: Entry]
        let metadata: Metadata
    }
    struct Metadata: Decodable {
        let prompts: [String]
        let tokens: [[Int]]
    }

    let index: Index
    let values: [Float]

    init(_ stem: String) throws {
        let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("clip")
        index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: directory.appendingPathComponent(stem + ".json")))
        let data = try Data(contentsOf: directory.appendingPathComponent(stem + ".bin"))
        values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func tensor(_ name: String) -> (shape: [Int], values: [Float]) {
        guard let entry = index.tensors[name] else { preconditionFailure("fixture has no \(name)") }
        return (entry.shape, Array(values[entry.offset..<entry.offset + entry.count]))
    }

    /// The images both sides use: counter-based uniforms in [0, 1), named like the script's.
    static func uniformInput(_ name: String, _ shape: [Int]) -> Tensor {
        let seed = SyntheticWeights.fnv1a64(name)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<count).map { SeededGenerator.counterUniform(seed: seed, index: UInt64($0)) })
    }
}

/// Max |actual − expected| relative to the largest |expected|: one number per comparison, as
/// llm.c's test prints, robust to the scale of each quantity.
func assertMatches(_ actual: [Float], _ expected: [Float], relative tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(what): element count", file: file, line: line)
    guard actual.count == expected.count, !expected.isEmpty else { return }
    let scale = max(expected.map(abs).max()!, 1e-12)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max()!
    print("parity \(what): max |diff| \(worst) (relative \(worst / scale), tolerance \(tolerance))")
    XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): max |diff| \(worst) at scale \(scale)", file: file, line: line)
}
