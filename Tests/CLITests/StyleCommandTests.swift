import Foundation
import Models
import Output
import TestSupport
import XCTest

/// `clipcanvas style` end to end with a small CLIP written as a safetensors file and a small photo.
final class StyleCommandTests: TinyModelTestCase {
    private var photoPath = ""
    private var presetPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        // An 80x60 photo: ramps and a bright square.
        var pixels = [Float](repeating: 0, count: 3 * 60 * 80)
        for y in 0..<60 {
            for x in 0..<80 {
                let inSquare = (15..<30).contains(y) && (20..<40).contains(x)
                pixels[y * 80 + x] = inSquare ? 0.95 : Float(x) / 80
                pixels[4800 + y * 80 + x] = inSquare ? 0.9 : Float(y) / 60
                pixels[9600 + y * 80 + x] = inSquare ? 0.1 : 0.5
            }
        }
        photoPath = path("photo.png")
        try ImageFile.save(Image(width: 80, height: 60, channels: 3, pixels: pixels), to: [photoPath])
        // The reference recipe with patches small enough for a 64-pixel working image.
        presetPath = path("small.json")
        try Data(#"{"patches": 4, "patch_size": 32, "views_per_pass": 4}"#.utf8).write(to: URL(fileURLWithPath: presetPath))
    }

    private func style(_ extra: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            ["style", photoPath, "fire", "--model", weightsPath, "--preset", presetPath, "--size", "64", "--iterations", "3"] + extra,
            environment: environment)
    }

    func testStyleWritesPNGAndJPEGEventsAndRepeatsByteForByte() throws {
        let result = try style(
            ["-o", path("a.png"), "-o", path("a.jpg"), "--json", "--seed", "5", "--content-model", "clip"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let notes = events.prefix { $0["event"] as? String == "note" }.map { $0["message"] as? String ?? "" }
        XCTAssertTrue(notes.contains { $0.contains("content loss: CLIP") }, "\(notes)")
        XCTAssertTrue(notes.contains { $0.hasPrefix("encoding the source and style texts") }, "\(notes)")
        XCTAssertTrue(events.contains { $0["event"] as? String == "start" })
        let steps = events.filter { $0["event"] as? String == "step" }
        XCTAssertEqual(steps.map { $0["iteration"] as? Int }, [1, 2, 3])
        XCTAssertNotNil(steps.first?["similarity"] as? Double)
        let done = try XCTUnwrap(events.last)
        XCTAssertEqual(done["event"] as? String, "done")
        XCTAssertEqual(done["stopped"] as? String, "completed")

        // An 80x60 photo at --size 64 is stylised at 64x48 and written at its own size.
        for name in ["a.png", "a.jpg"] {
            let image = try ImageFile.load(path(name))
            XCTAssertEqual([image.width, image.height], [80, 60], name)
        }

        let again = try style(["-o", path("b.png"), "--seed", "5", "--content-model", "clip", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stderr, "", "--quiet prints nothing on success")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a.png"))), try Data(contentsOf: URL(fileURLWithPath: path("b.png"))))
        let other = try style(["-o", path("c.png"), "--seed", "6", "--content-model", "clip", "--quiet"])
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertNotEqual(
            try Data(contentsOf: URL(fileURLWithPath: path("a.png"))), try Data(contentsOf: URL(fileURLWithPath: path("c.png"))))
    }

    func testOutputSizeRoundingSnapshotsAndTheSubstituteWarning() throws {
        let snapshots = path("steps")
        // No VGG19 in this (empty) torch cache: the run warns and uses CLIP's features.
        let result = try style(
            ["-o", path("out.png"), "--size", "60", "--output-size", "120", "--save-every", "2", snapshots],
            environment: ["TORCH_HOME": path("torch")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("--size 60 is not a multiple of 8; stylising at 64x48"), result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: no VGG19 weights"), result.stderr)
        let image = try ImageFile.load(path("out.png"))
        XCTAssertEqual([image.width, image.height], [120, 90])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: snapshots).sorted(), ["step-0000.png", "step-0002.png", "step-0003.png"])
    }

    /// Every accepted --size runs: the preset's patches (128 pixels at 512) follow the working
    /// size, and never exceed its shorter side; the run says so.
    func testThePatchSizeFollowsTheWorkingSize() throws {
        let bigPatches = path("big.json")
        try Data(#"{"patch_size": 128, "patches": 2, "views_per_pass": 2}"#.utf8).write(to: URL(fileURLWithPath: bigPatches))
        for (size, expected) in [
            (128, "patches of 32 pixels follow the 128x96 working image (the preset's 128 at 512)"),
            (24, "patches of 8 pixels follow the 24x16 working image (the preset's 128 at 512)"),
        ] {
            let output = path("s\(size).png")
            let result = try ClipCanvasBinary.run(
                [
                    "style", photoPath, "fire", "-o", output, "--model", weightsPath, "--preset", bigPatches, "--size", String(size),
                    "--iterations", "1", "--content-model", "clip",
                ])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains(expected), result.stderr)
            let image = try ImageFile.load(output)
            XCTAssertEqual([image.width, image.height], [80, 60], "the photo's own size")
        }
    }

    func testBadArgumentsFailClearlyAndWriteNothing() throws {
        let output = path("never.png")
        let notAnImage = path("notes.png")
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: notAnImage))
        let cases: [([String], String)] = [
            (["style", photoPath, " ", "-o", output], "style text is empty"),
            (["style", path("missing.jpg"), "fire", "-o", output, "--model", weightsPath], "missing.jpg"),
            (["style", notAnImage, "fire", "-o", output, "--model", weightsPath], "notes.png"),
            (["style", photoPath, "fire", "-o", path("a.svg"), "--model", weightsPath], "extension"),
            (["style", photoPath, "fire", "-o", output, "--fast", "--preset", presetPath], "--fast and --preset"),
            (["style", photoPath, "fire", "-o", output, "--output-size", "0"], "--output-size"),
            (["style", photoPath, "fire", "-o", output, "--source", ""], "--source is empty"),
            (["style", photoPath, "fire", "-o", output, "--model", weightsPath, "--content-model", path("vgg.pth")], "vgg.pth"),
        ]
        for (arguments, expected) in cases {
            let result = try ClipCanvasBinary.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): expected \"\(expected)\" in:\n\(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }
}
