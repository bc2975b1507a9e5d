import Foundation
import Output
import TestSupport
import XCTest

/// Damaged and mislabelled files: each must fail with an `OutputError` that names the file
/// and says what is wrong, never crash or return garbage.
final class BadInputTests: TemporaryDirectoryTestCase {
    private func write(_ name: String, _ data: Data) throws -> String {
        let file = path(name)
        try data.write(to: URL(fileURLWithPath: file))
        return file
    }

    private func assertLoadFails(
        _ file: String, kind: OutputError.Kind, mentioning fragment: String, line: UInt = #line
    ) {
        XCTAssertThrowsError(try ImageFile.load(file), line: line) { error in
            guard let error = error as? OutputError else {
                return XCTFail("unexpected error type: \(error)", line: line)
            }
            XCTAssertEqual(error.kind, kind, line: line)
            XCTAssertEqual(error.file, file, line: line)
            let message = error.description
            XCTAssertTrue(message.hasPrefix(file + ": "), message, line: line)
            XCTAssertTrue(message.contains(fragment), "\"\(message)\" should mention \"\(fragment)\"", line: line)
            XCTAssertFalse(message.contains("\n"), line: line)
        }
    }

    func testMissingFileAndDirectory() {
        assertLoadFails(path("nothing-here.png"), kind: .unreadable, mentioning: "no such file")
        assertLoadFails(directory, kind: .unreadable, mentioning: "directory")
    }

    func testEmptyFile() throws {
        assertLoadFails(try write("empty.png", Data()), kind: .unknownFormat, mentioning: "empty")
    }

    func testTextFileNamedPNG() throws {
        assertLoadFails(
            try write("notes.png", Data("hello, not an image\n".utf8)), kind: .unknownFormat,
            mentioning: "not a PNG or JPEG")
    }

    func testTruncatedPNG() throws {
        let png = try Data(contentsOf: Fixtures(Bundle.module).url("rgb16.png"))
        for length in [8, 40, png.count / 2, png.count - 13] {
            assertLoadFails(try write("cut-\(length).png", png.prefix(length)), kind: .corruptImage, mentioning: "PNG")
        }
    }

    func testCorruptPNGChecksum() throws {
        var png = try Data(contentsOf: Fixtures(Bundle.module).url("rgb8.png"))
        // Flip a bit inside the IDAT chunk's data so its CRC no longer matches.
        let idat = try XCTUnwrap(png.range(of: Data("IDAT".utf8)))
        png[idat.upperBound + 4] ^= 0x10
        assertLoadFails(try write("corrupt.png", png), kind: .corruptImage, mentioning: "PNG")
    }

    func testTruncatedJPEG() throws {
        for name in ["smooth-baseline.jpg", "smooth-progressive.jpg"] {
            let jpeg = try Data(contentsOf: Fixtures(Bundle.module).url(name))
            for length in [3, 100, jpeg.count * 6 / 10] {
                assertLoadFails(
                    try write("cut-\(length)-\(name)", jpeg.prefix(length)), kind: .corruptImage, mentioning: "JPEG")
            }
        }
    }

    func testJPEGWithGarbageAfterTheMarker() throws {
        let data = Data([0xFF, 0xD8, 0xFF]) + Data(repeating: 0x42, count: 64)
        assertLoadFails(try write("garbage.jpg", data), kind: .corruptImage, mentioning: "JPEG")
    }
}

/// Every proper prefix of a valid file, and seeded random byte damage, must give an error
/// or an image, never a crash: the decoders' longjmp-based errors stay inside C.
final class DamagedImageFuzzTests: XCTestCase {
    func testEveryPrefixOfAPNGAndAJPEGIsRejected() throws {
        for name in ["rgba16-interlaced.png", "palette-alpha.png", "smooth-progressive.jpg", "orientation-6.jpg"] {
            let data = try Data(contentsOf: Fixtures(Bundle.module).url(name))
            for length in 0..<data.count {
                XCTAssertThrowsError(try ImageFile.decode(data.prefix(length)), "\(name) cut to \(length) bytes") {
                    error in
                    XCTAssertNotNil(error as? OutputError)
                }
            }
        }
    }

    func testRandomlyDamagedFilesFailCleanlyOrDecode() throws {
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for name in ["rgb8.png", "smooth-baseline.jpg", "smooth-progressive.jpg"] {
            let original = try Data(contentsOf: Fixtures(Bundle.module).url(name))
            for _ in 0..<300 {
                var damaged = original
                for _ in 0..<(1 + next(4)) {
                    damaged[next(damaged.count)] = UInt8(next(256))
                }
                do {
                    let image = try ImageFile.decode(damaged)
                    XCTAssertTrue(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
                } catch {
                    XCTAssertNotNil(error as? OutputError, "\(error)")
                }
            }
        }
    }
}
