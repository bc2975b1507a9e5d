import Foundation
import Output
import TestSupport
import XCTest

/// The decoders' pixel budget: a PNG over it is refused from its header, a JPEG over it is
/// reduced while decoding (and refused only when even 1/8 does not fit), and either refusal
/// says "too large", not "corrupt".
final class PixelBudgetTests: XCTestCase {
    /// Pillow wrote smooth-*.jpg from this formula (see JPEGDecodeTests).
    private func smoothColour(_ x: Int, _ y: Int, _ c: Int) -> Float {
        let values = [Float(255 * x) / 63, Float(255 * y) / 47, Float(255 * (x + y)) / 110]
        return values[c].rounded() / 255
    }

    func testPNGOverTheBudgetIsRefusedAsTooLarge() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures(Bundle.module).path("grey8.png")))
        let full = try PNGCodec.decode(data)
        XCTAssertNoThrow(try PNGCodec.decode(data, maxPixels: full.width * full.height))
        XCTAssertThrowsError(try PNGCodec.decode(data, maxPixels: full.width * full.height - 1)) { error in
            XCTAssertEqual((error as? OutputError)?.kind, .tooLarge)
            XCTAssertEqual(
                (error as? OutputError)?.detail,
                "image is too large: \(full.width) x \(full.height) pixels, the limit is "
                    + "\(full.width * full.height - 1) pixels; scale it down first")
        }
    }

    /// Reduced by 2 and by 8 on each side, the image matches the formula averaged over 2x2 and
    /// 8x8 blocks, as a DCT-domain reduction should.
    func testJPEGOverTheBudgetIsReducedWhileDecoding() throws {
        let cases = [
            ("smooth-baseline.jpg", 64 * 48, 1), ("smooth-baseline.jpg", 64 * 48 - 1, 2), ("smooth-baseline.jpg", 100, 8),
            ("smooth-progressive.jpg", 64 * 48 - 1, 2),
        ]
        for (name, budget, factor) in cases {
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures(Bundle.module).path(name)))
            do {
                let image = try JPEGCodec.decode(data, maxPixels: budget)
                XCTAssertEqual([image.width, image.height], [64 / factor, 48 / factor], "\(name) within \(budget)")
                var error: Float = 0
                for c in 0..<3 {
                    for y in 0..<image.height {
                        for x in 0..<image.width {
                            var mean: Float = 0
                            for dy in 0..<factor {
                                for dx in 0..<factor { mean += smoothColour(x * factor + dx, y * factor + dy, c) }
                            }
                            error += abs(image[x, y, c] - mean / Float(factor * factor))
                        }
                    }
                }
                XCTAssertLessThan(error / Float(image.pixels.count), 4 / 255, "\(name) within \(budget)")
            }
        }
    }

    func testJPEGTooLargeEvenReducedIsRefused() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures(Bundle.module).path("smooth-baseline.jpg")))
        XCTAssertThrowsError(try JPEGCodec.decode(data, maxPixels: 47)) { error in
            XCTAssertEqual((error as? OutputError)?.kind, .tooLarge)
            XCTAssertEqual(
                (error as? OutputError)?.detail,
                "image is too large: 64 x 48 pixels (even reduced 8 times on each side while decoding), "
                    + "the limit is 47 pixels; scale it down first")
        }
    }

    /// A progressive file keeps every coefficient of the full-size image while its scans
    /// arrive (2 bytes each, whatever the output scale), so that memory is bounded too: 16 bytes
    /// per budget pixel, as much as the decoded image may take as floats.
    func testProgressiveJPEGWhoseCoefficientsOutgrowTheBudgetIsRefused() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestFiles.sample("photos/coffee-progressive.jpg")))
        // 600 x 400, 4:2:0: 720,000 bytes of coefficients.
        let half = try JPEGCodec.decode(data, maxPixels: 300 * 200)
        XCTAssertEqual([half.width, half.height], [300, 200])
        XCTAssertThrowsError(try JPEGCodec.decode(data, maxPixels: 10_000)) { error in
            XCTAssertEqual((error as? OutputError)?.kind, .tooLarge)
            XCTAssertEqual(
                (error as? OutputError)?.detail,
                "image is too large: 600 x 400 pixels (a progressive JPEG this large needs too much memory), "
                    + "the limit is 10,000 pixels (100 x 100); scale it down first")
        }
    }
}
