import Output
import XCTest

final class ImageTests: XCTestCase {
    func testLayoutIsChannelPlanar() {
        // 2x1 RGB: planes R = [0.1, 0.2], G = [0.3, 0.4], B = [0.5, 0.6].
        let image = Image(width: 2, height: 1, channels: 3, pixels: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        XCTAssertEqual(image.pixel(x: 1, y: 0), [0.2, 0.4, 0.6])
        XCTAssertEqual(image[0, 0, 2], 0.5)
    }

    func testCompositingOntoWhiteFollowsTheOverFormula() {
        let rgba = Image(width: 1, height: 1, channels: 4, pixels: [0.2, 0.6, 1, 0.25])
        let expected: [Float] = [0.2 * 0.25 + 0.75, 0.6 * 0.25 + 0.75, 1 * 0.25 + 0.75]
        XCTAssertEqual(rgba.compositedOnWhite().pixels, expected)
        let greyAlpha = Image(width: 1, height: 1, channels: 2, pixels: [0, 0.5])
        XCTAssertEqual(greyAlpha.compositedOnWhite().pixels, [0.5, 0.5, 0.5])
        let grey = Image(width: 1, height: 1, channels: 1, pixels: [0.3])
        XCTAssertEqual(grey.compositedOnWhite().pixels, [0.3, 0.3, 0.3])
        let rgb = Image(width: 1, height: 1, channels: 3, pixels: [0.1, 0.2, 0.3])
        XCTAssertEqual(rgb.compositedOnWhite(), rgb)
    }

    func testOrientationsMapCornersAsTheEXIFSpecificationDescribes() {
        // Stored 3x2 grey image, value = 10 y + x: the orientation's name says where row 0 and
        // column 0 end up when displayed.
        let stored = Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 10, 11, 12])
        XCTAssertEqual(stored.oriented(.mirror).pixels, [2, 1, 0, 12, 11, 10])
        XCTAssertEqual(stored.oriented(.rotate180).pixels, [12, 11, 10, 2, 1, 0])
        XCTAssertEqual(stored.oriented(.flip).pixels, [10, 11, 12, 0, 1, 2])
        // 2x3 results, rows top to bottom.
        XCTAssertEqual(stored.oriented(.transpose).pixels, [0, 10, 1, 11, 2, 12])
        XCTAssertEqual(stored.oriented(.rotate90).pixels, [10, 0, 11, 1, 12, 2])
        XCTAssertEqual(stored.oriented(.transverse).pixels, [12, 2, 11, 1, 10, 0])
        XCTAssertEqual(stored.oriented(.rotate270).pixels, [2, 12, 1, 11, 0, 10])
    }
}
