import Foundation
import Output
import TestSupport
import XCTest

/// Decodes PNGs written by pypng and checks every sample against the formula they were
/// generated from (Tools/fixtures/make_image_fixtures.py). PNG is lossless: exact equality.
final class PNGDecodeTests: XCTestCase {
    private let width = 7, height = 5

    private func formula8(_ x: Int, _ y: Int, _ c: Int) -> Float { Float((37 * x + 59 * y + 101 * c) % 256) / 255 }
    private func formula16(_ x: Int, _ y: Int, _ c: Int) -> Float {
        Float((9973 * x + 6007 * y + 21011 * c) % 65536) / 65535
    }

    private func assertDecodes(
        _ name: String, channels: Int, expected: (Int, Int, Int) -> Float, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let image = try ImageFile.load(Fixtures(Bundle.module).path(name))
        XCTAssertEqual(image.width, width, name, file: file, line: line)
        XCTAssertEqual(image.height, height, name, file: file, line: line)
        XCTAssertEqual(image.channels, channels, name, file: file, line: line)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width where image[x, y, c] != expected(x, y, c) {
                    XCTFail(
                        "\(name) (\(x), \(y), \(c)): \(image[x, y, c]) != \(expected(x, y, c))", file: file, line: line)
                    return
                }
            }
        }
    }

    func testEightBitGreyGreyAlphaRGBAndRGBA() throws {
        for (name, channels) in [("grey8", 1), ("grey-alpha8", 2), ("rgb8", 3), ("rgba8", 4)] {
            try assertDecodes("\(name).png", channels: channels, expected: formula8)
        }
    }

    func testSixteenBitKeepsFullPrecision() throws {
        for (name, channels) in [("grey16", 1), ("grey-alpha16", 2), ("rgb16", 3), ("rgba16", 4)] {
            try assertDecodes("\(name).png", channels: channels, expected: formula16)
        }
    }

    func testInterlaced() throws {
        try assertDecodes("rgb8-interlaced.png", channels: 3, expected: formula8)
        try assertDecodes("grey-alpha8-interlaced.png", channels: 2, expected: formula8)
        try assertDecodes("rgba16-interlaced.png", channels: 4, expected: formula16)
    }

    func testLowBitDepthGreyIsScaledToTheFullRange() throws {
        for bits in [1, 2, 4] {
            let levels = Float((1 << bits) - 1)
            try assertDecodes("grey\(bits).png", channels: 1) { x, y, _ in Float((x + 3 * y) % (1 << bits)) / levels }
        }
    }

    private func paletteEntry(_ index: Int) -> [Float] {
        [(7 * index) % 256, (13 * index + 50) % 256, (29 * index + 100) % 256, (40 * index) % 256].map {
            Float($0) / 255
        }
    }

    func testPaletteExpandsToRGB() throws {
        try assertDecodes("palette.png", channels: 3) { x, y, c in self.paletteEntry((x + 7 * y) % 35)[c] }
        try assertDecodes("palette4.png", channels: 3) { x, y, c in self.paletteEntry((x + 7 * y) % 16)[c] }
    }

    func testPaletteTransparencyBecomesAlpha() throws {
        try assertDecodes("palette-alpha.png", channels: 4) { x, y, c in self.paletteEntry((x + 7 * y) % 35)[c] }
    }
}
