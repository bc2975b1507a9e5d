import Foundation
import Models
import Output
import Scene
import TestSupport
import XCTest

/// `clipcanvas draw` end to end with a small CLIP written as a safetensors file.
final class DrawCommandTests: TinyModelTestCase {
    private func draw(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            ["draw", "a lighthouse", "--model", weightsPath, "--paths", "16", "--canvas", "64", "--iterations", "8"] + extra)
    }

    func testDrawWritesAnEditableSVGAPNGAndJSONEventsAndRepeatsByteForByte() throws {
        let result = try draw(["-o", path("a.svg"), "-o", path("a.png"), "--size", "256", "--json", "--seed", "5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        // Stages before the first step say what they do (loading the model, with its size).
        let notes = events.prefix { $0["event"] as? String == "note" }
        XCTAssertTrue(
            notes.contains { ($0["message"] as? String ?? "").hasPrefix("loading ") && ($0["message"] as? String ?? "").contains(" MB)") },
            "\(notes)")
        XCTAssertEqual(events.dropFirst(notes.count).first?["event"] as? String, "start")
        let steps = events.filter { $0["event"] as? String == "step" }
        XCTAssertEqual(steps.map { $0["iteration"] as? Int }, Array(1...8))
        XCTAssertNotNil(steps.first?["similarity"] as? Double)
        let done = try XCTUnwrap(events.last)
        XCTAssertEqual(done["event"] as? String, "done")
        XCTAssertEqual(done["stopped"] as? String, "completed")
        XCTAssertEqual(done["best_loss"] as? Double ?? 0, steps.compactMap { $0["loss"] as? Double }.min()!, accuracy: 1e-6)

        let scene = try SVGReader.read(try Data(contentsOf: URL(fileURLWithPath: path("a.svg")))).scene
        XCTAssertEqual(scene.paths.count, 16)
        XCTAssertEqual([scene.width, scene.height], [64, 64])
        let png = try ImageFile.load(path("a.png"))
        XCTAssertEqual([png.width, png.height], [256, 256])

        let again = try draw(["-o", path("b.svg"), "--size", "256", "--seed", "5", "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stderr, "", "--quiet prints nothing on success")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("a.svg"))), try Data(contentsOf: URL(fileURLWithPath: path("b.svg"))))
    }

    func testSnapshotsAndContactSheet() throws {
        let snapshots = path("steps")
        let result = try draw(["-o", path("a.svg"), "--save-every", "4", snapshots, "--contact-sheet", path("sheet.png")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: snapshots).sorted()
        XCTAssertEqual(files, ["step-0000.png", "step-0000.svg", "step-0004.png", "step-0004.svg", "step-0008.png", "step-0008.svg"])
        let sheet = try ImageFile.load(path("sheet.png"))
        // Three 160 px thumbnails, each over a 16 px label ("step 4"), in a 2 x 2 grid with 8 px gaps.
        XCTAssertEqual([sheet.width, sheet.height], [2 * 160 + 3 * 8, 2 * (160 + 16) + 3 * 8])
        // The label strip under the first thumbnail has dark text on white; the gap above it none.
        let strip = (8 + 160..<8 + 176).flatMap { y in (8..<168).map { x in sheet[x, y, 0] } }
        XCTAssertLessThan(strip.min()!, 0.5, "the label is drawn")
        XCTAssertGreaterThan(strip.filter { $0 > 0.99 }.count, strip.count / 2, "on white")
        XCTAssertTrue(result.stderr.contains("step 8/8"), "progress lines are logged when stderr is not a terminal:\n\(result.stderr)")
    }

    func testAPromptLongerThanCLIPsContextIsTruncatedWithAWarning() throws {
        let long = Array(repeating: "a very long and winding description", count: 20).joined(separator: ", ")
        let result = try ClipCanvasBinary.run(
            ["draw", long, "--model", weightsPath, "--paths", "4", "--canvas", "64", "--iterations", "1", "-o", path("long.svg")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: prompt") && result.stderr.contains("truncated"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("long.svg")))
    }

    func testStartingFromAnSVGKeepsItsPaths() throws {
        let start = Scene(
            width: 80, height: 40, paths: [Path(points: [Point(5, 5), Point(20, 30), Point(50, 5), Point(75, 35)], strokeWidth: 3)])
        try SceneExport.write(start, to: [path("start.svg")])
        let result = try ClipCanvasBinary.run(
            [
                "draw", "a wave", "--model", weightsPath, "--init", path("start.svg"), "--iterations", "3", "--canvas", "64", "-o",
                path("out.svg"),
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let scene = try SVGReader.read(try Data(contentsOf: URL(fileURLWithPath: path("out.svg")))).scene
        XCTAssertEqual(scene.paths.count, 1, "--init without --paths adds no strokes")
        XCTAssertEqual([scene.width, scene.height], [80, 40])
    }

    func testBadArgumentsFailClearlyAndWriteNothing() throws {
        let output = path("never.svg")
        let cases: [([String], String)] = [
            (["draw", "", "-o", output], "prompt is empty"),
            (["draw", "a cat", "-o", output, "--paths", "0"], "--paths"),
            (["draw", "a cat", "-o", output, "--iterations", "0"], "--iterations"),
            (["draw", "a cat", "-o", output, "--max-width", "0"], "--max-width"),
            (["draw", "a cat", "-o", output, "--preset", "no-such"], "unknown preset"),
            (["draw", "a cat", "-o", path("no/such/folder/a.svg"), "--model", weightsPath], "does not exist"),
            (["draw", "a cat", "-o", path("a.gif"), "--model", weightsPath], "extension"),
            (["draw", "a cat", "-o", output, "--model", path("missing.pt"), "--offline"], "missing.pt"),
            (["draw", "a cat", "-o", output, "--model", weightsPath, "--palette", "#12"], "palette"),
            (["draw", "a cat", "-o", output, "--save-every", "0", path("s")], "--save-every"),
        ]
        for (arguments, expected) in cases {
            let result = try ClipCanvasBinary.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): expected \"\(expected)\" in:\n\(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }
}
