import Foundation
import Guidance
import Tensor
import TestSupport
import XCTest

/// A step-parity fixture written by a `Tools/fixtures/make_*_step_fixtures.py` script: float32
/// arrays in one little-endian .bin file, indexed by a JSON file (`reference_setup.FixtureWriter`),
/// whose `metadata` holds the recipe and the recorded random draws.
struct StepFixture {
    private struct Entry: Decodable {
        let shape: [Int]
        let offset: Int
        let count: Int
    }

    let metadata: [String: Any]
    private let entries: [String: Entry]
    private let values: [Float]

    init(_ stem: String) throws {
        let directory = Fixtures(Bundle.module).directory
        let index = try Data(contentsOf: directory.appendingPathComponent(stem + ".json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: index) as? [String: Any])
        metadata = try XCTUnwrap(object["metadata"] as? [String: Any])
        let tensors = try XCTUnwrap(object["tensors"])
        entries = try JSONDecoder().decode([String: Entry].self, from: JSONSerialization.data(withJSONObject: tensors))
        let data = try Data(contentsOf: directory.appendingPathComponent(stem + ".bin"))
        values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// The named array; empty (and a failure) when the fixture has none, which the comparisons
    /// then also report.
    func values(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> [Float] {
        guard let entry = entries[name] else {
            XCTFail("the fixture has no \(name): regenerate it", file: file, line: line)
            return []
        }
        return Array(values[entry.offset..<entry.offset + entry.count])
    }

    func tensor(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        let entry = try XCTUnwrap(entries[name], "the fixture has no \(name): regenerate it", file: file, line: line)
        return Tensor(shape: entry.shape, values: values(name))
    }
}

/// Arrays for a fixture script to read (the Swift side's record step): the same .bin + .json
/// layout as `StepFixture`.
struct StepRecord {
    private var index: [String: [String: Any]] = [:]
    private var data = Data()
    var metadata: [String: Any] = [:]

    mutating func add(_ name: String, _ tensor: Tensor) {
        add(name, tensor.values, shape: tensor.shape)
    }

    mutating func add(_ name: String, _ values: [Float], shape: [Int]) {
        index[name] = ["shape": shape, "offset": data.count / 4, "count": values.count]
        values.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
    }

    func write(to directory: URL, stem: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: directory.appendingPathComponent(stem + ".bin"))
        let json = try JSONSerialization.data(withJSONObject: ["tensors": index, "metadata": metadata], options: [.sortedKeys])
        try json.write(to: directory.appendingPathComponent(stem + ".json"))
    }
}

/// Max |actual − expected| relative to the largest |expected| (one number per compared
/// quantity), for fixtures that store float32: `StepParity.assertValues` on them.
@discardableResult
func assertStepParity(
    _ actual: [Float], _ expected: [Float], relative tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line
) -> Float {
    Float(StepParity.assertValues(actual, expected.map(Double.init), relative: Double(tolerance), what, file: file, line: line))
}

/// Every `stride`-th element from `offset` (the fixtures keep such subsets of full images).
func strided(_ values: [Float], stride: Int, offset: Int = 0) -> [Float] {
    Swift.stride(from: offset, to: values.count, by: stride).map { values[$0] }
}

/// The directory a record step writes to, when the fixture script asked for one.
func stepRecordDirectory() -> URL? {
    ProcessInfo.processInfo.environment["CLIPCANVAS_STEP_RECORD"].map { URL(fileURLWithPath: $0) }
}
