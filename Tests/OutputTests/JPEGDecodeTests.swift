import Foundation
import Output
import TestSupport
import XCTest

/// JPEGs written by Pillow from known formulas; JPEG is lossy, so decoded values are compared
/// by mean absolute error.
final class JPEGDecodeTests: XCTestCase {
    private func meanAbsoluteError(_ image: Image, _ expected: (Int, Int, Int) -> Float) -> Float {
        var total: Float = 0
        for c in 0..<image.channels {
            for y in 0..<image.height {
                for x in 0..<image.width {
                    total += abs(image[x, y, c] - expected(x, y, c))
                }
            }
        }
        return total / Float(image.pixels.count)
    }

    private func smoothColour(_ x: Int, _ y: Int, _ c: Int) -> Float {
        let values = [Float(255 * x) / 63, Float(255 * y) / 47, Float(255 * (x + y)) / 110]
        return values[c].rounded() / 255
    }

    func testBaselineAndProgressiveColour() throws {
        for name in ["smooth-baseline.jpg", "smooth-progressive.jpg"] {
            let image = try ImageFile.load(Fixtures(Bundle.module).path(name))
            XCTAssertEqual([image.width, image.height, image.channels], [64, 48, 3], name)
            XCTAssertLessThan(meanAbsoluteError(image, smoothColour), 3 / 255, name)
        }
    }

    func testBaselineAndProgressiveGrey() throws {
        for name in ["smooth-grey.jpg", "smooth-grey-progressive.jpg"] {
            let image = try ImageFile.load(Fixtures(Bundle.module).path(name))
            XCTAssertEqual([image.width, image.height, image.channels], [64, 48, 1], name)
            XCTAssertLessThan(
                meanAbsoluteError(image) { x, y, _ in (Float(255 * (2 * x + 3 * y)) / 267).rounded() / 255 }, 3 / 255,
                name)
        }
    }

    /// Each orientation against Pillow's `exif_transpose` of the same file.
    func testEXIFOrientationMatchesPillow() throws {
        for orientation in 1...8 {
            let image = try ImageFile.load(Fixtures(Bundle.module).path("orientation-\(orientation).jpg"))
            let upright = try ImageFile.load(Fixtures(Bundle.module).path("orientation-\(orientation)-upright.png"))
            let swapped = orientation >= 5
            XCTAssertEqual(image.width, swapped ? 16 : 32, "orientation \(orientation)")
            XCTAssertEqual(image.height, swapped ? 32 : 16, "orientation \(orientation)")
            XCTAssertEqual(upright.width, image.width)
            XCTAssertLessThan(meanAbsoluteError(image) { upright[$0, $1, $2] }, 2 / 255, "orientation \(orientation)")
        }
    }

    /// The stored image has red top-left, green top-right, blue bottom-left, white bottom-right.
    /// Turned 90° clockwise (orientation 6), red is at the top right; turned 90° counter-clockwise
    /// (8), red is at the bottom left.
    func testQuarterTurnsPutTheStoredCornerWhereExpected() throws {
        let red: [Float] = [1, 0, 0]
        let blue: [Float] = [0, 0, 1]
        let green: [Float] = [0, 1, 0]
        let six = try ImageFile.load(Fixtures(Bundle.module).path("orientation-6.jpg"))
        assertColour(six.pixel(x: 12, y: 4), red)
        assertColour(six.pixel(x: 4, y: 4), blue)
        let eight = try ImageFile.load(Fixtures(Bundle.module).path("orientation-8.jpg"))
        assertColour(eight.pixel(x: 4, y: 28), red)
        assertColour(eight.pixel(x: 4, y: 4), green)
    }

    private func assertColour(
        _ actual: [Float], _ expected: [Float], file: StaticString = #filePath, line: UInt = #line
    ) {
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a, e, accuracy: 8 / 255, "\(actual) vs \(expected)", file: file, line: line)
        }
    }

    /// Adobe CMYK (inverted ink values) converted to RGB; the quadrants use inks where every
    /// common CMYK-to-RGB formula agrees.
    func testCMYKBecomesRGB() throws {
        let image = try ImageFile.load(Fixtures(Bundle.module).path("cmyk.jpg"))
        XCTAssertEqual(image.channels, 3)
        assertColour(image.pixel(x: 3, y: 3), [0, 1, 1])
        assertColour(image.pixel(x: 12, y: 3), [1, 127 / 255, 1])
        assertColour(image.pixel(x: 3, y: 12), [0, 0, 0])
        assertColour(image.pixel(x: 12, y: 12), [1, 1, 1])
    }
}
