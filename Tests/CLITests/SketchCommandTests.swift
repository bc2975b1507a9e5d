import Foundation
import Models
import Output
import Scene
import TestSupport
import XCTest

/// `clipcanvas sketch` end to end with a small CLIP written as a safetensors file, used both as
/// the saliency model and (on block token maps) as the geometric model.
final class SketchCommandTests: TinyModelTestCase {
    private var photoPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        photoPath = path("photo.png")
        try ImageFile.savePNG(Self.photo(width: 80, height: 64), to: photoPath)
    }

    /// A white photo with a dark diagonal band and a grey block.
    static func photo(width: Int, height: Int) -> Image {
        var pixels = [Float](repeating: 1, count: 3 * width * height)
        for y in 0..<height {
            for x in 0..<width {
                var value: Float = 1
                if abs(x - y - 8) < 4 { value = 0.1 }
                if x > width / 2 && y > height / 2 { value = 0.5 }
                for channel in 0..<3 { pixels[(channel * height + y) * width + x] = value }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    private func sketch(_ extra: [String], photo: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            [
                "sketch", photo ?? photoPath, "--model", weightsPath, "--geometric-model", weightsPath, "--geometric-layers", "0",
                "--strokes", "6", "--iterations", "12",
            ] + extra)
    }

    func testSketchWritesSVGAndPNGAndTheSaliencyPictureAndRepeatsByteForByte() throws {
        let result = try sketch([
            "-o", path("a.svg"), "-o", path("a.png"), "--save-saliency", path("saliency.png"), "--seed", "4", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(events.filter { $0["event"] as? String == "step" }.count, 12)
        XCTAssertEqual(events.last?["event"] as? String, "done")

        let scene = try SVGReader.read(try Data(contentsOf: URL(fileURLWithPath: path("a.svg")))).scene
        XCTAssertEqual(scene.paths.count, 6)
        XCTAssertEqual([scene.width, scene.height], [64, 64])
        XCTAssertTrue(scene.paths.allSatisfy { $0.points.count == 4 && $0.strokeColor == RGBA(0, 0, 0, 1) && $0.strokeWidth == 3 })
        XCTAssertEqual(try ImageFile.load(path("a.png")).width, 64)
        let saliency = try ImageFile.load(path("saliency.png"))
        XCTAssertEqual(saliency.height, 64 + 8, "three 64-pixel panels in a row with 4-pixel gaps")
        XCTAssertEqual(saliency.width, 3 * 64 + 4 * 4)

        let again = try sketch(["-o", path("b.svg"), "--seed", "4", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stderr, "")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a.svg"))), try Data(contentsOf: URL(fileURLWithPath: path("b.svg"))))
    }

    func testAbstractionLevelsWriteOneSketchEachAndARow() throws {
        let result = try ClipCanvasBinary.run(
            [
                "sketch", photoPath, "--model", weightsPath, "--geometric-model", weightsPath, "--geometric-layers", "0",
                "--abstractions", "2,5", "--seeds", "2", "--iterations", "4", "--width", "2", "--color", "navy", "--pad",
                "-o", path("s.svg"), "--quiet",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        for level in [2, 5] {
            let scene = try SVGReader.read(try Data(contentsOf: URL(fileURLWithPath: path("s-\(level).svg")))).scene
            XCTAssertEqual(scene.paths.count, level)
            XCTAssertEqual(scene.paths[0].strokeWidth, 2)
            XCTAssertEqual(scene.paths[0].strokeColor, RGBA(0, 0, 128 / 255, 1))
        }
        let row = try ImageFile.load(path("s-abstractions.png"))
        XCTAssertEqual([row.width, row.height], [2 * 64 + 3 * 8, 64 + 12 + 2 * 8], "two levels over their labels, 8 px gaps")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("s.svg")))
    }

    func testBadInputsFailClearlyAndWriteNothing() throws {
        let output = path("never.svg")
        try ImageFile.savePNG(Self.photo(width: 20, height: 64), to: path("small.png"))
        try ImageFile.savePNG(Self.photo(width: 40, height: 64), to: path("mask.png"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: path("broken.png")))
        let cases: [([String], String)] = [
            (["sketch", path("broken.png"), "-o", output], "broken.png"),
            (["sketch", path("missing.png"), "-o", output], "missing.png"),
            (["sketch", path("small.png"), "-o", output], "at least 32"),
            (["sketch", photoPath, "-o", output, "--strokes", "0"], "--strokes"),
            (["sketch", photoPath, "-o", output, "--mask", path("mask.png")], "mask is 40x64"),
            (["sketch", photoPath, "-o", output, "--abstractions", "4,x"], "--abstractions"),
            (["sketch", photoPath, "-o", output, "--fast", "--preset", "clipasso"], "--fast"),
            (["sketch", photoPath, "-o", output, "--color", "#12"], "color"),
            (["sketch", photoPath, "-o", output, "--save-saliency", path("s.jpg")], "--save-saliency"),
            (["sketch", photoPath, "-o", path("a.gif")], "extension"),
            (
                ["sketch", photoPath, "-o", output, "--model", weightsPath, "--geometric-model", weightsPath, "--geometric-layers", "3"],
                "does not exist"
            ),
        ]
        for (arguments, expected) in cases {
            let result = try ClipCanvasBinary.run(arguments + ["--offline"])
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): expected \"\(expected)\" in:\n\(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }
}
