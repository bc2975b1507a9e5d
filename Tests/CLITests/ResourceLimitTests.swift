import Foundation
import Models
import Output
import Tensor
import TestSupport
import XCTest

/// Hostile sizes, broken weights and a full disk, through the binary as a user meets them: each
/// ends with one `error:` line (or, for snapshots, one warning), a non-zero exit and no file.
/// The size cases run under a 3 GB address-space limit, so a count that slipped past its limit
/// would fail the allocation instead of quietly eating the test machine.
final class ResourceLimitTests: TinyModelTestCase {

    private func runLimited(_ arguments: [String], kilobytes: Int = 3_000_000, environment: [String: String]? = nil) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try ClipCanvasBinary.runLimited(arguments, kilobytes: kilobytes, environment: environment)
    }

    private func assertFailsCleanly(
        _ result: (status: Int32, stdout: String, stderr: String), mentioning expected: String, output: String?,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertNotEqual(result.status, 0, result.stderr, file: file, line: line)
        XCTAssertTrue(
            result.status < 128, "a clean exit, not a signal or a trap: \(result.status)\n\(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), "expected \"\(expected)\" in:\n\(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr, file: file, line: line)
        if let output { XCTAssertFalse(FileManager.default.fileExists(atPath: output), file: file, line: line) }
    }

    func testCountsBeyondTheirLimitsFailCleanlyUnderAMemoryLimit() throws {
        let photo = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photo)
        let svg = path("out.svg"), png = path("out.png")
        let model = ["--model", weightsPath, "--offline"]
        let cases: [([String], String, String?)] = [
            (["draw", "a cat", "-o", svg, "--augmentations", "100000"] + model, "augmentations must be between 1 and 64", svg),
            (["draw", "a cat", "-o", svg, "--paths", "10000000"] + model, "paths must be between 0 and 10000", svg),
            (["paint", "a cat", "-o", png, "--views", "1000000"] + model, "global_views must be between 0 and 256", png),
            (["paint", "a cat", "-o", png, "--patches", "1000000"] + model, "patches must be between 0 and 256", png),
            (["sketch", photo, "-o", svg, "--strokes", "10000000"] + model, "strokes must be between 1 and 1024", svg),
            (["sketch", photo, "-o", svg, "--preset", path("many.json")] + model, "augmentations must be between 1 and 64", svg),
            (["draw", "a cat", "-o", svg, "--iterations", "3000000000"] + model, "--iterations must be between 1 and 100000", svg),
            (["tokenize", "a cat", "--context-length", "100000000000"], "--context-length must be between 2", nil),
        ]
        // A preset file obeys the same limits as a flag.
        try Data(#"{"augmentations": 100000}"#.utf8).write(to: URL(fileURLWithPath: path("many.json")))
        for (arguments, expected, output) in cases {
            assertFailsCleanly(try runLimited(arguments), mentioning: expected, output: output)
        }
    }

    /// Within every limit, but beyond the machine: paint at 2048 pixels scales its 256 patches
    /// with the area (about 21,000 a step). The run is refused with its estimate before it starts.
    func testARunTooLargeForTheMachineIsRefusedWithItsEstimate() throws {
        let output = path("big.png")
        let result = try runLimited(
            ["paint", "a cat", "-o", output, "--size", "2048", "--patches", "256", "--model", weightsPath, "--offline"])
        assertFailsCleanly(result, mentioning: "this run needs about", output: output)
        XCTAssertTrue(result.stderr.contains("but this machine has 3.1 GB"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count, 1, result.stderr)
    }

    /// A scene too large to read is refused from its size, before a byte of it is parsed (a
    /// 10^7-path scene is at least 150 MB of SVG, 370 MB of JSON).
    func testASceneFileTooLargeToReadIsRefusedBeforeReading() throws {
        let scene = path("huge.svg")
        XCTAssertTrue(FileManager.default.createFile(atPath: scene, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: scene))
        try handle.truncate(atOffset: 300_000_000)  // sparse: no disk used
        try handle.close()
        assertFailsCleanly(
            try runLimited(["render", scene, "-o", path("out.png")]), mentioning: "is 300.0 MB; scene files of up to 64 MB",
            output: path("out.png"))
    }

    /// A checkpoint with a NaN is refused at load by every command, naming the tensor.
    func testNonFiniteWeightsAreRefusedAtLoadNamingTheTensor() throws {
        var weights = SyntheticWeights.stateDict(for: TinyCLIP.architecture)
        let poisoned = "visual.transformer.resblocks.0.mlp.c_fc.weight"
        let tensor = try XCTUnwrap(weights[poisoned])
        var values = tensor.values
        values[7] = .nan
        weights[poisoned] = Tensor(shape: tensor.shape, values: values)
        let nanModel = path("nan.safetensors")
        try TinyCLIP.safetensors(weights).write(to: URL(fileURLWithPath: nanModel))
        let photo = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photo)

        let cases: [([String], String?)] = [
            (["score", photo, "--text", "a cat"], nil),
            (["embed", "--text", "a cat", "-o", path("e.npy")], path("e.npy")),
            (["draw", "a cat", "--paths", "4", "--canvas", "64", "--iterations", "2", "-o", path("d.svg")], path("d.svg")),
        ]
        for (arguments, output) in cases {
            let result = try ClipCanvasBinary.run(arguments + ["--model", nanModel])
            assertFailsCleanly(result, mentioning: "tensor \(poisoned) holds a non-finite value (nan)", output: output)
            XCTAssertEqual(result.status, 1)
            XCTAssertFalse(result.stdout.contains("nan"), result.stdout)
        }
    }

    /// A step whose loss is not finite (learning rates no recipe uses blow the strokes up) stops
    /// the run with an error naming the step; no drawing of NaNs is written.
    func testANonFiniteStepStopsTheRunNamingTheStep() throws {
        let preset = path("wild.json")
        try Data(#"{"point_learning_rate": 3e38, "width_learning_rate": 3e38, "color_learning_rate": 3e38}"#.utf8)
            .write(to: URL(fileURLWithPath: preset))
        let output = path("d.svg")
        let result = try ClipCanvasBinary.run(
            [
                "draw", "a cat", "--model", weightsPath, "--preset", preset, "--paths", "4", "--canvas", "64", "--iterations", "5", "-o",
                output,
            ])
        assertFailsCleanly(result, mentioning: "; stopping without writing", output: output)
        XCTAssertNotNil(
            result.stderr.range(of: #"error: step \d+ produced (a non-finite loss|non-finite parameters)"#, options: .regularExpression),
            result.stderr)
    }

    /// Offline, with an empty cache, a known model that is not on the machine: one line, what
    /// failed and the fix.
    func testAMissingModelIsOneLineWithTheFix() throws {
        let home = path("home")
        let environment = ["HOME": home, "CLIPCANVAS_CACHE": path("empty-cache"), "CLIP_CACHE": path("empty-clip")]
        let result = try ClipCanvasBinary.run(
            ["draw", "a cat", "--model", "ViT-B/32", "--offline", "-o", path("d.svg")], environment: environment)
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(lines[0].hasPrefix("error: ViT-B/32 is not downloaded yet"), result.stderr)
        XCTAssertTrue(lines[0].contains("clipcanvas models pull ViT-B/32"), result.stderr)
        XCTAssertTrue(lines[0].contains(path("empty-cache")), result.stderr)
        XCTAssertLessThan(lines[0].count, 400, "the URL once, the path once")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("d.svg")))
    }

    /// `sketch --model FILE`: the file serves saliency and the geometric loss; nothing is
    /// fetched by name (offline, with an empty cache, a fetch would fail), and the run says so.
    func testSketchModelFileServesBothRolesWithoutFetching() throws {
        let photo = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photo)
        let environment = ["HOME": path("home"), "CLIPCANVAS_CACHE": path("empty-cache"), "CLIP_CACHE": path("empty-clip")]
        for fast in [false, true] {
            let output = path("s\(fast).svg")
            let result = try ClipCanvasBinary.run(
                [
                    "sketch", photo, "--model", weightsPath, "--geometric-layers", "0", "--strokes", "4", "--iterations", "2", "--offline",
                    "-o", output,
                ]
                    + (fast ? ["--fast"] : []), environment: environment)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains("tiny.safetensors serves both roles: saliency and the geometric loss"), result.stderr)
            XCTAssertFalse(result.stderr.contains("RN101"), result.stderr)
            XCTAssertTrue(FileManager.default.fileExists(atPath: output))
        }
    }

    /// `sketch --model RESNET_FILE`: the file serves the geometric loss; saliency needs a vision
    /// transformer, so the preset's ViT-B/32 is fetched by name, and the run says why (offline,
    /// that fetch is the one-line missing-model error).
    func testAResNetFileServesTheGeometricLossAndTheRunSaysWhySaliencyIsFetched() throws {
        let resNet = CLIPArchitecture(
            vision: .resNet(stageBlocks: [1, 1, 1, 1], width: 8), imageResolution: 64, embedDimension: 32, textWidth: 64, textLayers: 1)
        let resNetPath = path("tiny-resnet.safetensors")
        try TinyCLIP.safetensors(SyntheticWeights.stateDict(for: resNet)).write(to: URL(fileURLWithPath: resNetPath))
        let photo = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photo)
        let environment = ["HOME": path("home"), "CLIPCANVAS_CACHE": path("empty-cache"), "CLIP_CACHE": path("empty-clip")]
        let output = path("s.svg")
        let result = try ClipCanvasBinary.run(
            ["sketch", photo, "--model", resNetPath, "--strokes", "4", "--iterations", "2", "--offline", "-o", output],
            environment: environment)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(
            result.stderr.contains(
                "tiny-resnet.safetensors is a ResNet; placing the first strokes reads a vision transformer's attention, so ViT-B/32 serves saliency"
            ),
            result.stderr)
        XCTAssertTrue(result.stderr.contains("tiny-resnet.safetensors serves the geometric loss"), result.stderr)
        XCTAssertTrue(result.stderr.contains("error: ViT-B/32 is not downloaded yet"), result.stderr)
        XCTAssertFalse(result.stderr.contains("RN101"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))

        // With uniform starts (no saliency) the file alone runs the sketch.
        let preset = path("uniform.json")
        try Data(#"{"saliency_init": false}"#.utf8).write(to: URL(fileURLWithPath: preset))
        let alone = try ClipCanvasBinary.run(
            ["sketch", photo, "--model", resNetPath, "--preset", preset, "--strokes", "4", "--iterations", "2", "--offline", "-o", output],
            environment: environment)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
    }

    /// A snapshot folder that cannot be made is one warning; the run still writes its outputs.
    func testASnapshotFailureIsAWarningAndTheRunGoesOn() throws {
        let blocker = path("not-a-folder")
        try Data("a file".utf8).write(to: URL(fileURLWithPath: blocker))
        let output = path("d.svg")
        let result = try ClipCanvasBinary.run(
            [
                "draw", "a cat", "--model", weightsPath, "--paths", "4", "--canvas", "64", "--iterations", "3", "-o", output,
                "--save-every", "1", blocker + "/snapshots",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "warning: cannot create the snapshot folder").count, 2, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
    }

    /// An output that names an input asks for --force; with it, the run replaces the file.
    func testWritingOverTheInputNeedsForce() throws {
        let photo = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photo)
        let before = try Data(contentsOf: URL(fileURLWithPath: photo))
        let arguments = [
            "sketch", photo, "--model", weightsPath, "--geometric-layers", "0", "--strokes", "4", "--iterations", "1", "-o", photo,
        ]
        let refused = try ClipCanvasBinary.run(arguments)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("is also an input of this run") && refused.stderr.contains("--force"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: photo)), before)
        let forced = try ClipCanvasBinary.run(arguments + ["--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: photo)), before)
    }
}
