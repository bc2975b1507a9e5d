import Foundation
import Guidance
import Models
import Tensor
import TestSupport
import XCTest

/// CLIPasso's saliency pieces against `Tools/fixtures/make_saliency_fixtures.py` (the reference's
/// XDoG with SciPy and scikit-image; its attention upsampling with PyTorch), and the sampler's
/// promises.
final class SaliencyTests: XCTestCase {
    struct Fixture: Decodable {
        let height: Int
        let width: Int
        let pixelsChw: [Int]
        let grey: [Double]
        let response: [Double]
        let otsuThreshold: Double
        let edges: [Int]
        let relevance: [Float]
        let saliencyStride: Int
        let saliencyStrided: [Float]

        static func load() throws -> Fixture {
            try Fixtures(Bundle.module).decode(Fixture.self, from: "saliency.json", snakeCase: true)
        }

        /// The photo as the reference's XDoG saw it: CLIP-normalised, [3, H, W].
        var normalisedPhoto: Tensor {
            let plane = height * width
            let values = pixelsChw.enumerated().map { index, value in
                (Float(value) / 255 - CLIPModel.imageMean[index / plane]) / CLIPModel.imageStd[index / plane]
            }
            return Tensor(shape: [3, height, width], values: values)
        }
    }

    private func largestDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    func testXDoGResponseAndOtsuThresholdMatchTheReference() throws {
        let fixture = try Fixture.load()
        let xdog = XDoG()
        let grey = XDoG.grey(fixture.normalisedPhoto)
        XCTAssertLessThan(largestDifference(grey, fixture.grey), 1e-5, "rgb2gray")
        let response = xdog.response(grey: grey, height: fixture.height, width: fixture.width)
        XCTAssertLessThan(largestDifference(response, fixture.response), 1e-4, "soft XDoG response")
        // The threshold is a bin centre: the same bin, or one over if a value sits on an edge.
        XCTAssertEqual(OtsuThreshold.threshold(fixture.response), fixture.otsuThreshold, accuracy: 1e-9, "Otsu on the reference's response")
        XCTAssertEqual(OtsuThreshold.threshold(response), fixture.otsuThreshold, accuracy: 1.01 / 256)

        let edges = xdog(fixture.normalisedPhoto).values.map { Int($0) }
        let disagreements = zip(edges, fixture.edges).filter { $0 != $1 }.count
        XCTAssertLessThanOrEqual(disagreements, fixture.edges.count / 500, "binary edge map: \(disagreements) pixels differ")
        XCTAssertTrue(edges.contains(0) && edges.contains(1))
    }

    func testOtsuSplitsTwoClustersAndReturnsAConstantAsIs() {
        let values: [Double] = (0..<100).map { index in
            let cluster: Double = index % 2 == 0 ? 0.1 : 0.9
            return cluster + Double(index) * 1e-4
        }
        let threshold = OtsuThreshold.threshold(values)
        // scikit-image's convention: values above the threshold are the upper class.
        XCTAssertTrue(values.allSatisfy { ($0 > threshold) == ($0 > 0.5) }, "threshold \(threshold) separates the clusters")
        XCTAssertEqual(OtsuThreshold.threshold([0.25, 0.25, 0.25]), 0.25)
    }

    func testAFlatImageHasNoEdges() {
        let flat = Tensor(repeating: 0.5, shape: [3, 20, 30])
        XCTAssertEqual(Set(XDoG()(flat).values), [1])
    }

    func testAttentionMapMatchesTheReferenceUpsampling() throws {
        let fixture = try Fixture.load()
        let map = AttentionSaliency.map(classRelevance: fixture.relevance, size: 224)
        XCTAssertEqual(map.shape, [224, 224])
        var strided: [Float] = []
        for y in stride(from: 0, to: 224, by: fixture.saliencyStride) {
            for x in stride(from: 0, to: 224, by: fixture.saliencyStride) { strided.append(map.pointer[y * 224 + x]) }
        }
        let worst = zip(strided, fixture.saliencyStrided).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertEqual(map.values.min(), 0)
        XCTAssertEqual(map.values.max(), 1)
    }

    func testClassRelevanceAveragesTheClampedClassRowOverHeadsAndBlocks() {
        // Two blocks, two heads, three tokens (class + 2 patches).
        let first = Tensor(
            shape: [1, 2, 3, 3],
            values: [
                0.2, 0.5, 0.3, 9, 9, 9, 9, 9, 9,
                0.4, -0.1, 0.7, 9, 9, 9, 9, 9, 9,
            ])
        let second = Tensor(
            shape: [1, 2, 3, 3],
            values: [
                0.1, 0.1, 0.8, 9, 9, 9, 9, 9, 9,
                0.3, 0.3, 0.4, 9, 9, 9, 9, 9, 9,
            ])
        let relevance = AttentionSaliency.classRelevance([first, second])
        XCTAssertEqual(relevance[0], (0.5 + 0 + 0.1 + 0.3) / 4, accuracy: 1e-6)
        XCTAssertEqual(relevance[1], (0.3 + 0.7 + 0.8 + 0.4) / 4, accuracy: 1e-6)
    }

    func testTheSamplerDrawsDistinctPositivePixelsDeterministically() throws {
        // A 30x20 map: zero on the left half, rising to the right.
        let width = 30, height = 20
        let values = (0..<(width * height)).map { index -> Float in
            let x = index % width
            return x < width / 2 ? 0 : Float(x) / Float(width)
        }
        let map = Tensor(shape: [height, width], values: values)
        var generator = SeededGenerator(seed: 11)
        let pixels = try XCTUnwrap(SaliencySampler.sample(map, count: 64, temperature: 0.3, generator: &generator))
        XCTAssertEqual(pixels.count, 64)
        XCTAssertEqual(Set(pixels).count, 64, "distinct")
        XCTAssertTrue(pixels.allSatisfy { $0.x >= width / 2 }, "zeros are never chosen")
        var again = SeededGenerator(seed: 11)
        XCTAssertEqual(SaliencySampler.sample(map, count: 64, temperature: 0.3, generator: &again), pixels)
        var other = SeededGenerator(seed: 12)
        XCTAssertNotEqual(SaliencySampler.sample(map, count: 64, temperature: 0.3, generator: &other), pixels)
        // All positive pixels can be drawn, and no more.
        var all = SeededGenerator(seed: 1)
        XCTAssertEqual(SaliencySampler.sample(map, count: 300, temperature: 0.3, generator: &all).map { Set($0).count }, 300)
        XCTAssertNil(SaliencySampler.sample(map, count: 301, temperature: 0.3, generator: &all))
    }

    func testALowTemperatureFavoursTheBrightestPixels() throws {
        var values = [Float](repeating: 0.1, count: 400)
        for index in 0..<10 { values[index * 40] = 1 }
        let map = Tensor(shape: [20, 20], values: values)
        var generator = SeededGenerator(seed: 5)
        let pixels = try XCTUnwrap(SaliencySampler.sample(map, count: 10, temperature: 0.05, generator: &generator))
        XCTAssertEqual(Set(pixels.map { $0.y * 20 + $0.x }), Set((0..<10).map { $0 * 40 }))
    }
}
