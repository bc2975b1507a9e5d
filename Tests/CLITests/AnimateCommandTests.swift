import Foundation
import Output
import Scene
import TestSupport
import XCTest

/// `--animate FILE` through the binary with the tiny CLIP: a GIF for every method, an animated
/// SVG for the vector methods, and bad values refused before any work, writing nothing.
final class AnimateCommandTests: TinyModelTestCase {
    private func draw(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            ["draw", "a lighthouse", "--model", weightsPath, "--paths", "16", "--canvas", "64", "--iterations", "8"] + extra)
    }

    private func meanDifference(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).reduce(Float(0)) { $0 + abs($1.0 - $1.1) } / Float(max(1, a.count))
    }

    func testDrawAnimatesIntoAGIFFromTheFirstSnapshotToTheResult() throws {
        let result = try draw([
            "-o", path("a.svg"), "--animate", path("run.gif"), "--animate-every", "3", "--animate-fps", "5",
            "--save-every", "8", path("steps"), "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let done = try XCTUnwrap(
            result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .last)
        XCTAssertEqual(done["outputs"] as? [String], [path("a.svg"), path("run.gif")])

        let gif = try AnimationFiles.decodeGIF(path("run.gif"))
        // The start, after steps 3 and 6, and the result.
        XCTAssertEqual(gif.frames.count, 4)
        XCTAssertEqual([gif.width, gif.height], [64, 64], "frames are at the canvas size")
        XCTAssertEqual(gif.delays, [20, 20, 20, 20], "5 frames per second")
        XCTAssertTrue(gif.loopsForever)
        let first = try ImageFile.load(path("steps/step-0000.png")).compositedOnWhite()
        let final = try CairoRenderer.render(try SceneFile.load(path("a.svg")).scene, width: 64, height: 64).compositedOnWhite()
        XCTAssertLessThan(meanDifference(gif.frames[0], first.pixels), 6 / 255, "frame 0 is the first snapshot")
        XCTAssertLessThan(meanDifference(gif.frames[3], final.pixels), 6 / 255, "the last frame is the written drawing")
        XCTAssertGreaterThan(
            meanDifference(gif.frames[0], final.pixels), 10 * meanDifference(gif.frames[3], final.pixels), "the drawing moved")
        XCTAssertFalse(try directoryContents().contains { $0.hasPrefix(".") }, "no temporary file is left")
    }

    func testDrawAnimatesIntoAnSVGThatRSVGShowsAsTheFirstSnapshotAndEndsAtTheResult() throws {
        let result = try draw([
            "-o", path("a.svg"), "--animate", path("run.svg"), "--animate-every", "4", "--save-every", "8", path("steps"),
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: path("run.svg")))
        let last = try AnimationFiles.svgFrame(data, frame: 2)
        // The start, after step 4, and the result; every animated attribute has one value each.
        XCTAssertFalse(last.valueCounts.isEmpty)
        XCTAssertEqual(Set(last.valueCounts), [3])
        XCTAssertEqual(Set(last.durations), ["0.3s"], "3 frames at the default 10 per second")
        XCTAssertThrowsError(try AnimationFiles.svgFrame(data, frame: 3))
        try last.svg.write(to: URL(fileURLWithPath: path("last.svg")))

        func rendered(_ name: String) throws -> [Float] {
            guard try AnimationFiles.renderWithRSVG(path(name), to: path(name + ".png")) else {
                throw XCTSkip("rsvg-convert is not installed (Debian: librsvg2-bin)")
            }
            return try ImageFile.load(path(name + ".png")).compositedOnWhite().pixels
        }
        XCTAssertLessThan(
            meanDifference(try rendered("run.svg"), try rendered("steps/step-0000.svg")), 0.5 / 255, "without SMIL: the first snapshot")
        XCTAssertLessThan(meanDifference(try rendered("last.svg"), try rendered("a.svg")), 0.5 / 255, "the last frame: the written drawing")
        XCTAssertGreaterThan(meanDifference(try rendered("run.svg"), try rendered("a.svg")), 2 / 255, "the drawing moved")
    }

    func testAnInterruptedRunStillFinishesItsAnimation() throws {
        let process = Process()
        process.executableURL = try ClipCanvasBinary.executable()
        process.arguments = [
            "draw", "a lighthouse", "--model", weightsPath, "--paths", "4", "--canvas", "32", "--iterations", "100000", "-o", path("a.svg"),
            "--animate", path("run.gif"), "--animate-every", "1", "--json",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt once a few steps have been reported.
        var text = ""
        while text.components(separatedBy: "\"event\":\"step\"").count <= 3 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        process.interrupt()
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertTrue(text.contains("\"interrupted\""), text)
        let gif = try AnimationFiles.decodeGIF(path("run.gif"))
        XCTAssertGreaterThanOrEqual(gif.frames.count, 4, "the start, every step so far, and the best drawing")
        XCTAssertEqual([gif.width, gif.height], [32, 32])
        XCTAssertFalse(try directoryContents().contains { $0.hasPrefix(".") }, "no temporary file is left")
    }

    func testPaintAnimatesIntoAGIF() throws {
        let preset = path("small.json")
        try Data(#"{"size": 64, "patch_size": 32, "global_views": 4, "patches": 48, "init_candidates": 3}"#.utf8).write(
            to: URL(fileURLWithPath: preset))
        let result = try ClipCanvasBinary.run([
            "paint", "a yellow flower", "--model", weightsPath, "--preset", preset, "--iterations", "3", "-o", path("a.png"),
            "--animate", path("run.gif"), "--animate-every", "1", "--quiet",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let gif = try AnimationFiles.decodeGIF(path("run.gif"))
        XCTAssertEqual(gif.frames.count, 4, "the start, after steps 1 and 2, and the result")
        XCTAssertEqual([gif.width, gif.height], [64, 64])
        XCTAssertEqual(gif.delays, [10, 10, 10, 10])
        let painted = try ImageFile.load(path("a.png")).compositedOnWhite()
        // A noise-like 64x64 painting has thousands of colours; 256 of them stay within a few levels.
        XCTAssertLessThan(meanDifference(gif.frames[3], painted.pixels), 10 / 255, "the last frame is the written painting")
    }

    func testBadAnimationValuesFailBeforeAnyWorkAndWriteNothing() throws {
        let photo = TestFiles.sample("photos/chelsea.png")
        let before = try directoryContents()
        let gif = path("run.gif")
        let cases: [([String], String)] = [
            (["--animate", path("run.mp4")], ".gif or .svg"),
            (["--animate", path("absent/run.gif")], "does not exist"),
            (["--animate", gif, "--animate-every", "0"], "--animate-every must be at least 1"),
            (["--animate", gif, "--animate-every", "x"], "animate-every"),
            (["--animate", gif, "--animate-fps", "0"], "--animate-fps must be between"),
            (["--animate", gif, "--animate-fps=-2"], "--animate-fps must be between"),
            (["--animate", gif, "--animate-fps", "nan"], "--animate-fps must be between"),
            (["--animate", gif, "--animate-fps", "500"], "--animate-fps must be between"),
            (["--animate-every", "5"], "need --animate"),
            (["--animate", path("a.svg")], "also an -o output"),
        ]
        for (extra, expected) in cases {
            let result = try draw(["-o", path("a.svg")] + extra)
            XCTAssertNotEqual(result.status, 0, "\(extra) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(extra): expected \"\(expected)\" in:\n\(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").filter { $0.lowercased().hasPrefix("error") }.count, 1, result.stderr)
        }
        let methods: [([String], String)] = [
            (["paint", "a flower", "--model", weightsPath, "-o", path("a.png"), "--animate", path("run.svg")], "needs a vector method"),
            (["style", photo, "fire", "--model", weightsPath, "-o", path("a.png"), "--animate", path("run.svg")], "needs a vector method"),
            (
                ["sketch", photo, "--model", weightsPath, "-o", path("a.svg"), "--abstractions", "4,8", "--animate", path("run.svg")],
                "animate into a .gif"
            ),
        ]
        for (arguments, expected) in methods {
            let result = try ClipCanvasBinary.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): expected \"\(expected)\" in:\n\(result.stderr)")
        }
        XCTAssertEqual(try directoryContents(), before, "nothing is written on error")
    }
}
