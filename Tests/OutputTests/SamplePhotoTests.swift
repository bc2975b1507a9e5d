import Foundation
import Output
import TestSupport
import XCTest

/// The photos shipped in Samples/photos (sizes checked with Pillow).
final class SamplePhotoTests: XCTestCase {
    func testSamplePhotosDecodeWithTheirSizes() throws {
        let expected: [(name: String, width: Int, height: Int, channels: Int)] = [
            ("chelsea.jpg", 451, 300, 3), ("chelsea.png", 451, 300, 3), ("coffee-progressive.jpg", 600, 400, 3),
            ("horse.png", 400, 328, 4),
        ]
        for photo in expected {
            let image = try ImageFile.load(TestFiles.sample("photos/\(photo.name)"))
            XCTAssertEqual(
                [image.width, image.height, image.channels], [photo.width, photo.height, photo.channels], photo.name)
            XCTAssertTrue(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 }, photo.name)
        }
    }

    /// chelsea.jpg is chelsea.png saved at quality 90: Pillow measures a mean difference of 2.0
    /// levels between them.
    func testJPEGMatchesTheLosslessOriginal() throws {
        let jpeg = try ImageFile.load(TestFiles.sample("photos/chelsea.jpg"))
        let png = try ImageFile.load(TestFiles.sample("photos/chelsea.png"))
        XCTAssertEqual(jpeg.pixels.count, png.pixels.count)
        let meanError =
            zip(jpeg.pixels, png.pixels).reduce(Float(0)) { $0 + abs($1.0 - $1.1) } / Float(png.pixels.count)
        XCTAssertLessThan(meanError, 3 / 255)
    }

    /// horse.png has white pixels at alpha 110/255 and black opaque ones.
    func testHorseCompositesOntoWhite() throws {
        let horse = try ImageFile.load(TestFiles.sample("photos/horse.png"))
        XCTAssertEqual(horse.pixel(x: 0, y: 0), [1, 1, 1, 110 / 255])
        let flattened = horse.compositedOnWhite()
        XCTAssertEqual(flattened.channels, 3)
        for value in flattened.pixel(x: 0, y: 0) {
            XCTAssertEqual(value, 1, accuracy: 1e-6)
        }
        XCTAssertEqual(horse.pixel(x: 200, y: 164), [0, 0, 0, 1])
        XCTAssertEqual(flattened.pixel(x: 200, y: 164), [0, 0, 0])
    }
}
