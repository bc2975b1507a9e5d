import Foundation
import Guidance
import Tensor
import TestSupport
import XCTest

/// Reference outputs written by `Tools/fixtures/make_augmentation_fixtures.py` (torch 2.13,
/// torchvision 0.28). Inputs are regenerated from `SeededGenerator.counterUniform`; each carries
/// its sum so a mismatch in regeneration fails loudly instead of as a parity error.
struct AugmentationFixtures: Decodable {
    struct Input: Decodable {
        let seed: UInt64
        let shape: [Int]
        let sum: Double

        func tensor() -> Tensor {
            let count = shape.reduce(1, *)
            return Tensor(shape: shape, values: (0..<count).map { SeededGenerator.counterUniform(seed: seed, index: UInt64($0)) })
        }
    }

    struct PerspectiveCase: Decodable {
        let name: String
        let input: Input
        let start: [[Int]]
        let end: [[Int]]
        let fill: [Float]?
        let coefficients: [Double]
        let output: [Float]

        var parameters: PerspectiveParameters {
            func corners(_ points: [[Int]]) -> Corners {
                let p = points.map { PixelPoint(x: $0[0], y: $0[1]) }
                return Corners(topLeft: p[0], topRight: p[1], bottomRight: p[2], bottomLeft: p[3])
            }
            return PerspectiveParameters(start: corners(start), end: corners(end))
        }
    }

    struct ResizedCropCase: Decodable {
        let name: String
        let input: Input
        let box: [Int]
        let size: [Int]
        let mode: String
        let output: [Float]
    }

    struct DiffAugmentCase: Decodable {
        struct Parameters: Decodable {
            let brightness: [Float]?
            let saturation: [Float]?
            let contrast: [Float]?
            let shifts: [[Int]]?
            let ratio: Double?
            let centres: [[Int]]?
        }

        let name: String
        let input: Input
        let parameters: Parameters
        let output: [Float]
    }

    struct SamplingCase: Decodable {
        let kind: String
        let height: Int
        let width: Int
        let scale: [Double]?
        let ratio: [Double]?
        let distortion: Double?
        let size: [Int]?
        let draws: Int
        let fields: [String]
        let mean: [Double]
        let std: [Double]
        let min: [Double]
        let max: [Double]
    }

    let perspective: [PerspectiveCase]
    let resizedCrop: [ResizedCropCase]
    let diffAugment: [DiffAugmentCase]
    let sampling: [SamplingCase]

    static func load() throws -> AugmentationFixtures {
        try Fixtures(Bundle.module).decode(AugmentationFixtures.self, from: "augmentations.json")
    }
}

/// The fixture's input image, after checking that it is the image the script used.
func fixtureImage(_ input: AugmentationFixtures.Input, file: StaticString = #filePath, line: UInt = #line) -> Tensor {
    let image = input.tensor()
    let sum = image.values.reduce(0.0) { $0 + Double($1) }
    XCTAssertEqual(
        sum, input.sum, accuracy: 1e-6 * max(1, abs(input.sum)), "regenerated input differs from the script's", file: file, line: line)
    return image
}
