import Foundation
import Output
import TestSupport
import XCTest

/// Writing images: JPEG through libjpeg and the extension-driven `ImageFile.save`, checked by
/// decoding what was written (the decoders are tested against Pillow and formula fixtures).
final class ImageEncodingTests: TemporaryDirectoryTestCase {
    /// A smooth RGB gradient: JPEG's lossy coding should keep it within a few levels.
    private func gradient(width: Int, height: Int) -> Image {
        var pixels: [Float] = []
        for channel in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    pixels.append((Float(x) / Float(width) + Float(y) / Float(height) + Float(channel) * 0.2) / 2.4)
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    func testJPEGRoundTripKeepsSizeAndColours() throws {
        let image = gradient(width: 37, height: 21)
        let decoded = try JPEGCodec.decode(try JPEGCodec.encode(image))
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [37, 21, 3])
        let meanError = zip(decoded.pixels, image.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(image.pixels.count)
        XCTAssertLessThan(meanError, 2 / 255, "quality 95 keeps a smooth gradient within ~2 levels on average")
    }

    func testJPEGHasNoAlphaSoItIsCompositedOntoWhite() throws {
        // Half-transparent black over white is mid grey.
        let image = Image(width: 8, height: 8, channels: 4, pixels: Array(repeating: 0, count: 3 * 64) + Array(repeating: 0.5, count: 64))
        let decoded = try JPEGCodec.decode(try JPEGCodec.encode(image))
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.pixels.reduce(0, +) / Float(decoded.pixels.count), 0.5, accuracy: 2 / 255)
    }

    func testSaveWritesEveryFormatByExtensionOrNothing() throws {
        let image = gradient(width: 16, height: 12)
        let png = path("a.png"), jpeg = path("a.JPEG")
        try ImageFile.save(image, to: [png, jpeg])
        XCTAssertEqual(try ImageFile.load(png).pixels, try PNGCodec.decode(try PNGCodec.encode(image)).pixels)
        XCTAssertEqual(try ImageFile.load(jpeg).width, 16)
        let bad = path("b.png")
        XCTAssertThrowsError(try ImageFile.save(image, to: [bad, path("b.gif")]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad), "an unknown format writes none of the files")
    }
}
