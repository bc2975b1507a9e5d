import Foundation
import Output
import Scene
import TestSupport
import XCTest

/// Runs the built `clipcanvas` binary as a user would.
final class CLITests: TemporaryDirectoryTestCase {
    private var waveScene: String { TestFiles.sample("scenes/wave.json") }

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(arguments)
    }

    private func contents() throws -> [String] { try directoryContents() }

    func testRendersTheSampleSceneToEveryFormat() throws {
        let result = try run([
            "render", waveScene, "-o", path("wave.svg"), "-o", path("wave.png"), "-o", path("wave.pdf"), "--size",
            "512",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(try contents(), ["wave.pdf", "wave.png", "wave.svg"])

        let png = try Data(contentsOf: URL(fileURLWithPath: path("wave.png")))
        XCTAssertTrue(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let image = try PNGCodec.decode(png)
        XCTAssertEqual([image.width, image.height], [512, 512])

        let pdf = try Data(contentsOf: URL(fileURLWithPath: path("wave.pdf")))
        XCTAssertTrue(pdf.starts(with: Data("%PDF".utf8)))

        let original = try SceneFile.load(waveScene).scene
        let svg = try SVGReader.read(Data(contentsOf: URL(fileURLWithPath: path("wave.svg"))))
        XCTAssertEqual(svg.scene, original)
    }

    func testRendersAnSVGBackToJSON() throws {
        let svg = path("drawing.svg")
        try Data(
            ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 30"><path d="M 1 1 Q 20 30 39 1" stroke="#f00" fill="none"/></svg>"##
                .utf8
        )
        .write(to: URL(fileURLWithPath: svg))
        let result = try run(["render", svg, "-o", path("drawing.json")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let scene = try SceneFile.load(path("drawing.json")).scene
        XCTAssertEqual([scene.width, scene.height], [40, 30])
        XCTAssertEqual(scene.paths.first?.strokeColor, RGBA(1, 0, 0))
    }

    func testWarningsGoToStandardError() throws {
        let svg = path("text.svg")
        try Data(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><text>hi</text></svg>"#.utf8)
            .write(to: URL(fileURLWithPath: svg))
        let result = try run(["render", svg, "-o", path("text.png")])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("warning: \(svg): <text>"), result.stderr)
    }

    private func assertFails(
        _ arguments: [String], mentioning fragment: String, leaves expected: [String], line: UInt = #line
    ) throws {
        let result = try run(arguments)
        XCTAssertNotEqual(result.status, 0, line: line)
        XCTAssertTrue(result.stderr.lowercased().contains("error:"), result.stderr, line: line)
        XCTAssertTrue(
            result.stderr.contains(fragment), "\"\(result.stderr)\" should mention \"\(fragment)\"", line: line)
        XCTAssertEqual(try contents(), expected, line: line)
    }

    func testErrorsExitNonZeroWithOneLineAndNoOutput() throws {
        let broken = path("broken.json")
        try Data(#"{"width": 10, "height": 10, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3],[4,4]]}]}"#.utf8)
            .write(to: URL(fileURLWithPath: broken))
        let existing = path("keep.png")
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        let files = ["broken.json", "keep.png"]

        try assertFails(
            ["render", path("absent.json"), "-o", path("out.svg")], mentioning: "absent.json", leaves: files)
        try assertFails(
            ["render", broken, "-o", path("out.svg"), "-o", existing], mentioning: "paths[0]", leaves: files)
        try assertFails(
            ["render", waveScene, "-o", path("no-dir/out.svg")], mentioning: "no-dir/out.svg", leaves: files)
        try assertFails(["render", waveScene, "-o", path("out.gif")], mentioning: "out.gif", leaves: files)
        try assertFails(
            ["render", waveScene, "-o", path("out.png"), "--size", "0"], mentioning: "--size", leaves: files)
        try assertFails(["render", waveScene], mentioning: "-o", leaves: files)
        try assertFails(
            ["render", waveScene, "-o", existing, "-o", "/proc/clipcanvas.svg"], mentioning: "/proc/clipcanvas.svg",
            leaves: files)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: existing)), Data("old".utf8))

        let oneLine = try run(["render", broken, "-o", path("out.svg")])
        XCTAssertEqual(oneLine.stderr.split(separator: "\n").count, 1, oneLine.stderr)
        XCTAssertTrue(oneLine.stderr.hasPrefix("error: \(broken): "), oneLine.stderr)
    }
}
