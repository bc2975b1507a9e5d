import Foundation
import Models
import Output
import TestSupport
import XCTest

/// `clipcanvas paint` end to end with a small CLIP written as a safetensors file.
final class PaintCommandTests: TinyModelTestCase {
    private var presetPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        // A partial preset file: the clipag recipe, shrunk for a test.
        presetPath = path("small.json")
        try Data(#"{"size": 64, "patch_size": 32, "global_views": 4, "patches": 48, "init_candidates": 3}"#.utf8).write(
            to: URL(fileURLWithPath: presetPath))
    }

    func testPaintWritesPNGAndJPEGAndRepeatsByteForByte() throws {
        let arguments = ["paint", "a yellow flower", "--model", weightsPath, "--preset", presetPath, "--iterations", "3", "--seed", "4"]
        let result = try ClipCanvasBinary.run(arguments + ["-o", path("a.png"), "-o", path("a.jpg"), "--output-size", "96", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("not the robust CLIPAG checkpoint"), "ordinary weights are called out:\n\(result.stderr)")
        let events = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(events.filter { $0["event"] as? String == "step" }.count, 3)
        XCTAssertEqual(events.last?["event"] as? String, "done")
        for file in ["a.png", "a.jpg"] {
            let image = try ImageFile.load(path(file))
            XCTAssertEqual([image.width, image.height], [96, 96], file)
        }
        let again = try ClipCanvasBinary.run(arguments + ["-o", path("b.png"), "--output-size", "96", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a.png"))), try Data(contentsOf: URL(fileURLWithPath: path("b.png"))))
    }

    func testPyramidFromAStartImage() throws {
        let start = Image(width: 50, height: 40, channels: 3, pixels: (0..<6000).map { Float($0 % 50) / 50 })
        try ImageFile.savePNG(start, to: path("start.png"))
        let result = try ClipCanvasBinary.run(
            [
                "paint", "a wave", "--model", weightsPath, "--preset", presetPath, "--iterations", "2", "--init", path("start.png"),
                "--param", "pyramid", "--tv", "0.01", "--size", "48", "-o", path("out.png"),
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try ImageFile.load(path("out.png")).width, 48, "--size is the working size")
    }

    func testBadArgumentsFailClearlyAndWriteNothing() throws {
        let output = path("never.png")
        let cases: [([String], String)] = [
            (["paint", " ", "-o", output], "prompt is empty"),
            (["paint", "a cat", "-o", path("a.svg"), "--model", weightsPath], "extension"),
            (["paint", "a cat", "-o", output, "--model", weightsPath, "--param", "voxels"], "param"),
            (["paint", "a cat", "-o", output, "--model", weightsPath, "--tv", "-1"], "--tv"),
            (["paint", "a cat", "-o", output, "--model", weightsPath, "--init", path("missing.png")], "missing.png"),
            (["paint", "a cat", "-o", output, "--model", weightsPath, "--preset", presetPath, "--iterations", "0"], "--iterations"),
        ]
        for (arguments, expected) in cases {
            let result = try ClipCanvasBinary.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): expected \"\(expected)\" in:\n\(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }
}
