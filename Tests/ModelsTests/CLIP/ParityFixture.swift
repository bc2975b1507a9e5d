import Foundation
import Models
import Tensor
import TestSupport
import XCTest

/// Reference outputs written by `Tools/fixtures/make_clip_fixtures.py` (PyTorch + open_clip):
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
        let fixtures = Fixtures(Bundle.module)
        index = try fixtures.decode(Index.self, from: "clip/\(stem).json")
        let data = try Data(contentsOf: fixtures.url("clip/\(stem).bin"))
        values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func tensor(_ name: String) -> (shape: [Int], values: [Float]) {
        guard let entry = index.tensors[name] else { preconditionFailure("fixture has no \(name)") }
        return (entry.shape, Array(values[entry.offset..<entry.offset + entry.count]))
    }
}
