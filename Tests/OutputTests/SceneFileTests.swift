import Foundation
import Output
import Scene
import TestSupport
import XCTest

final class SceneFileTests: TemporaryDirectoryTestCase {
    private func write(_ name: String, _ text: String) throws -> String {
        let file = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    private func assertLoadFails(_ file: String, mentioning fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try SceneFile.load(file), line: line) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix(file + ": "), message, line: line)
            XCTAssertFalse(message.contains("\n"), line: line)
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "\"\(message)\" should mention \"\(fragment)\"", line: line)
            }
        }
    }

    func testLoadsTheSampleScenes() throws {
        let wave = try SceneFile.load(TestFiles.sample("scenes/wave.json"))
        XCTAssertEqual(wave.scene.width, 224)
        XCTAssertTrue(wave.scene.paths.contains { $0.isClosed && $0.fillColor != nil })
        XCTAssertTrue(wave.scene.paths.contains { !$0.isClosed && $0.strokeColor != nil })
        XCTAssertEqual(wave.warnings, [])
    }

    /// Every sample scene loads and renders; the hand-written SVG converts without warnings.
    func testEverySampleSceneLoadsAndRenders() throws {
        let folder = TestFiles.sample("scenes")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertTrue(names.contains("wave.json"))
        XCTAssertTrue(names.contains("badge.svg"))
        for name in names {
            let loaded = try SceneFile.load(folder + "/" + name)
            XCTAssertEqual(loaded.warnings, [], name)
            XCTAssertFalse(loaded.scene.paths.isEmpty, name)
            let image = try CairoRenderer.render(loaded.scene, width: 64, height: 64)
            XCTAssertEqual(image.width, 64)
        }
        let badge = try SceneFile.load(folder + "/badge.svg").scene
        XCTAssertEqual([badge.width, badge.height], [300, 200])
        XCTAssertEqual(badge.background, RGBA(0xF4 / 255, 0xF1 / 255, 0xEA / 255))
    }

    func testFormatIsRecognisedFromContentNotExtension() throws {
        let svgNamedJSON = try write("drawing.json", #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 5 5"/>"#)
        XCTAssertEqual(try SceneFile.load(svgNamedJSON).scene.width, 5)
    }

    func testBadScenesNameTheFileAndTheProblem() throws {
        assertLoadFails(path("missing.json"), mentioning: ["no such file"])
        assertLoadFails(try write("empty.json", ""), mentioning: ["empty"])
        assertLoadFails(try write("blank.svg", "  \n"), mentioning: ["empty"])
        assertLoadFails(try write("text.json", "hello"), mentioning: ["not a scene file"])
        assertLoadFails(
            try write("truncated.json", #"{"width": 10, "height": 10, "paths": [{"points": [[0,"#),
            mentioning: ["not valid JSON"])
        assertLoadFails(
            try write(
                "five.json", #"{"width": 10, "height": 10, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3],[4,4]]}]}"#),
            mentioning: ["paths[0]", "found 5"])
        assertLoadFails(
            try write("truncated.svg", #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 5 5"><path d="M 0 0"#),
            mentioning: ["XML"])
    }
}
