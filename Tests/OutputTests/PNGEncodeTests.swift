import CCairo
import Foundation
import Output
import TestSupport
import XCTest

final class PNGEncodeTests: TemporaryDirectoryTestCase {
    /// Images whose values are exact 8-bit levels, so encoding loses nothing.
    private func levelImage(channels: Int, width: Int = 13, height: Int = 9) -> Image {
        var generator = SystemRandomNumberGenerator()
        let pixels = (0..<width * height * channels).map { _ in Float(Int.random(in: 0...255, using: &generator)) / 255
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    func testRoundTripIsExactForEveryChannelCount() throws {
        for channels in 1...4 {
            let image = levelImage(channels: channels)
            XCTAssertEqual(try PNGCodec.decode(PNGCodec.encode(image)), image, "\(channels) channels")
        }
    }

    func testValuesAreClampedAndRoundedToTheNearestLevel() throws {
        let image = Image(width: 4, height: 1, channels: 1, pixels: [-0.5, 1.5, 0.5 / 255 + 1e-4, 100.4 / 255])
        XCTAssertEqual(try PNGCodec.decode(PNGCodec.encode(image)).pixels, [0, 1, 1 / 255, 100 / 255])
    }

    /// Cairo's own PNG reader (libpng underneath, but none of our code) sees the same pixels.
    func testCairoReadsOurPNGs() throws {
        for channels in [3, 4] {
            let image = levelImage(channels: channels)
            let file = path("cairo-\(channels).png")
            try ImageFile.savePNG(image, to: file)
            let surface = cairo_image_surface_create_from_png(file)!
            defer { cairo_surface_destroy(surface) }
            XCTAssertEqual(cairo_surface_status(surface), CAIRO_STATUS_SUCCESS)
            XCTAssertEqual(Int(cairo_image_surface_get_width(surface)), image.width)
            XCTAssertEqual(Int(cairo_image_surface_get_height(surface)), image.height)
            let stride = Int(cairo_image_surface_get_stride(surface))
            let data = UnsafeRawPointer(cairo_image_surface_get_data(surface)!)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let word = data.load(fromByteOffset: y * stride + 4 * x, as: UInt32.self)
                    let alpha = channels == 4 ? image[x, y, 3] : 1
                    if channels == 4 {
                        XCTAssertEqual(Float(word >> 24), (alpha * 255).rounded())
                    }
                    // Cairo stores colour premultiplied by alpha, rounded to a byte.
                    for (channel, shift) in [(0, 16), (1, 8), (2, 0)] {
                        let premultiplied = image[x, y, channel] * alpha * 255
                        XCTAssertEqual(Float((word >> UInt32(shift)) & 0xFF), premultiplied, accuracy: 0.51)
                    }
                }
            }
        }
    }
}
