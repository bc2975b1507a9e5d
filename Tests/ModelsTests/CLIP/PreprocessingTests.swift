import Foundation
import Models
import Tensor
import TestSupport
import XCTest

/// Resize + centre crop against torchvision/PIL outputs (8-bit) from
/// `Tools/fixtures/make_preprocess_fixtures.py`.
final class PreprocessingTests: XCTestCase {
    struct Case: Decodable {
        let name: String
        let height: Int
        let width: Int
        let resolution: Int
        let input: [Int]
        let output: [Int]
    }

    func testMatchesPILWithinOneLevel() throws {
        let cases = try Fixtures(Bundle.module).decode([Case].self, from: "preprocess/clip-preprocess.json")
        XCTAssertEqual(cases.count, 4)
        for testCase in cases {
            // HWC bytes -> CHW floats.
            var planar = [Float](repeating: 0, count: testCase.input.count)
            let plane = testCase.height * testCase.width
            for pixel in 0..<plane { for c in 0..<3 { planar[c * plane + pixel] = Float(testCase.input[pixel * 3 + c]) / 255 } }
            let image = Tensor(shape: [3, testCase.height, testCase.width], values: planar)
            let result = ImagePreprocessing.resizeAndCenterCrop(image, resolution: testCase.resolution)
            XCTAssertEqual(result.shape, [3, testCase.resolution, testCase.resolution])
            let values = result.values
            let side = testCase.resolution * testCase.resolution
            var worst: Float = 0, total: Float = 0
            for pixel in 0..<side {
                for c in 0..<3 {
                    let difference = abs(values[c * side + pixel] * 255 - Float(testCase.output[pixel * 3 + c]))
                    worst = max(worst, difference)
                    total += difference
                }
            }
            // PIL rounds to 8 bits after each pass and clips; we stay in float.
            XCTAssertLessThanOrEqual(worst, 2.0, testCase.name)
            XCTAssertLessThan(total / Float(3 * side), 0.6, testCase.name)
        }
    }
}
