import Foundation
import Scene
import XCTest

/// Scene files that are well-formed but hostile or out of range get an error that names the
/// problem, not "syntax error" or a bare libxml2 code.
final class HostileSceneTests: XCTestCase {
    private func jsonError(_ json: String) -> String? {
        do {
            _ = try SceneJSON.decode(Data(json.utf8))
            return nil
        } catch {
            return (error as? SceneError)?.detail
        }
    }

    func testNumbersOutOfRangeAreNamedWithTheirPlace() {
        let path = #"{"points": [[1, 2], [3, 4], [5, 6], [7, NUMBER]], "stroke": [0, 0, 0, 1]}"#
        func scene(width: String = "10", point: String = "4") -> String {
            #"{"version": 1, "width": \#(width), "height": 10, "paths": [\#(path.replacingOccurrences(of: "NUMBER", with: point))]}"#
        }
        XCTAssertEqual(
            jsonError(scene(point: "1e300")),
            "paths[0].points[3][1]: 1e+300 is out of range (scene numbers are 32-bit floats, at most about 3.4e38)")
        XCTAssertEqual(jsonError(scene(width: "1e300")), "width: 1e+300 is out of range")
        XCTAssertEqual(jsonError(scene(width: "2.5")), "width: 2.5 is not a whole number")
        XCTAssertEqual(jsonError(scene(point: "1e400")), "not valid JSON (the number 1e400 is out of range)")
        // In range, the same document reads.
        XCTAssertNil(jsonError(scene(point: "3e38")))
        // A real syntax error still says where.
        XCTAssertTrue(jsonError(scene(point: "4,,"))?.hasPrefix("not valid JSON") ?? false)
    }

    /// "Billion laughs": entities that expand to gigabytes of text.
    func testEntityExpansionIsRefusedByName() {
        var entities = #"<!ENTITY a0 "laugh">"#
        for level in 1...9 {
            entities += "<!ENTITY a\(level) \"" + String(repeating: "&a\(level - 1);", count: 10) + "\">"
        }
        let svg = """
            <?xml version="1.0"?>
            <!DOCTYPE svg [\(entities)]>
            <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><desc>&a9;</desc></svg>
            """
        XCTAssertThrowsError(try SVGReader.read(Data(svg.utf8))) { error in
            XCTAssertEqual(
                (error as? SceneError)?.detail,
                "not well-formed XML at line 3: an entity refers to itself or expands to far more text than the "
                    + "file holds (entity declarations that multiply text are not allowed)")
        }
    }

    /// Found by fuzz-svg: a name with bytes that are not UTF-8 made Foundation's parser trap.
    func testTextThatIsNotUTF8IsRefusedBeforeParsing() {
        let prefix = Data(#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g stroke-l"#.utf8)
        let svg = prefix + Data([0xFF, 0xFF]) + Data(#"ap="round"/></svg>"#.utf8)
        XCTAssertThrowsError(try SVGReader.read(svg)) { error in
            XCTAssertEqual(
                (error as? SceneError)?.detail,
                "the file is not valid UTF-8 text (at byte \(prefix.count)); is it an SVG file?")
        }
        let latin1 = Data(#"<?xml version="1.0" encoding="ISO-8859-1"?><svg/>"#.utf8)
        XCTAssertThrowsError(try SVGReader.read(latin1)) { error in
            XCTAssertEqual(
                (error as? SceneError)?.detail,
                "the file declares the encoding ISO-8859-1; only UTF-8 SVG files are read (save it as UTF-8)")
        }
        let declaredUTF8 = Data(
            #"<?xml version="1.0" encoding="utf-8"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"/>"#.utf8)
        XCTAssertEqual(try SVGReader.read(declaredUTF8).scene.width, 4)
    }

    /// Found by fuzz-svg: a processing instruction without data made Foundation's parser read
    /// through a null pointer. It means nothing to a drawing and is ignored.
    func testProcessingInstructionWithoutDataIsIgnored() throws {
        let svg = """
            <?xml version="1.0"?>
            <?empty?><?spaced   ?>
            <svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><?inside?></svg>
            """
        XCTAssertEqual(try SVGReader.read(Data(svg.utf8)).scene.width, 4)
        // An XML error after it is still reported on its own line.
        XCTAssertThrowsError(try SVGReader.read(Data((svg + "\n<oops").utf8))) { error in
            XCTAssertTrue((error as? SceneError)?.detail.hasPrefix("not well-formed XML at line 4") ?? false, "\(error)")
        }
    }

    /// Found by fuzz-svg: a canvas side beyond Int.max trapped when it was rounded to pixels.
    func testCanvasSizeOutOfRangeIsAnError() {
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1e30 200"/>"#
        XCTAssertThrowsError(try SVGReader.read(Data(svg.utf8))) { error in
            XCTAssertEqual(
                (error as? SceneError)?.detail, "line 1: <svg>: the canvas size 1e+30x200.0 is out of range (at most 1e9 a side)")
        }
    }
}
