import Foundation
import Scene
import XCTest

final class SceneJSONTests: XCTestCase {
    func testRandomScenesRoundTripExactly() throws {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<300 {
            let scene = RandomScenes.scene(&generator)
            XCTAssertNoThrow(try scene.validate())
            let decoded = try SceneJSON.decode(SceneJSON.encode(scene))
            XCTAssertEqual(decoded, scene)
        }
    }

    func testOmittedKeysTakeTheDocumentedDefaults() throws {
        let json = #"{"width": 10, "height": 20, "paths": [{"points": [[0, 0], [1, 1], [2, 2], [3, 3]]}]}"#
        let scene = try SceneJSON.decode(Data(json.utf8))
        XCTAssertEqual(scene.width, 10)
        XCTAssertEqual(scene.height, 20)
        XCTAssertEqual(scene.background, .white)
        let path = try XCTUnwrap(scene.paths.first)
        XCTAssertFalse(path.isClosed)
        XCTAssertEqual(path.strokeColor, .black)
        XCTAssertEqual(path.strokeWidth, 1)
        XCTAssertNil(path.fillColor)
        XCTAssertEqual(path.fillRule, .nonZero)
    }

    func testNullMeansNoColourAndThreeChannelsMeanOpaque() throws {
        let json = #"""
            {"width": 4, "height": 4, "background": null,
             "paths": [{"points": [[0, 0], [1, 0], [1, 1]], "closed": true, "stroke": null,
                        "fill": [0.25, 0.5, 0.75], "fillRule": "evenodd"}]}
            """#
        let scene = try SceneJSON.decode(Data(json.utf8))
        XCTAssertNil(scene.background)
        XCTAssertNil(scene.paths[0].strokeColor)
        XCTAssertEqual(scene.paths[0].fillColor, RGBA(0.25, 0.5, 0.75, 1))
        XCTAssertEqual(scene.paths[0].fillRule, .evenOdd)
    }

    func testEncodedJSONIsValidJSONWithOnePathPerLine() throws {
        var generator = SeededGenerator(seed: 2)
        let scene = Scene(width: 30, height: 40, paths: (0..<3).map { _ in RandomScenes.path(&generator) })
        let text = String(decoding: SceneJSON.encode(scene), as: UTF8.self)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(object["width"] as? Int, 30)
        XCTAssertEqual((object["paths"] as? [Any])?.count, 3)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.contains("\"points\"") }.count, 3)
    }

    func testInvalidScenesAreRejectedWithTheOffendingValueNamed() {
        let square = "[[0, 0], [1, 0], [1, 1], [0, 1]]"
        let cases: [(json: String, expected: [String])] = [
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3],[4,4]]}]}"#,
                ["paths[0]", "open path", "found 5"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"closed": true, "points": \#(square)}]}"#,
                ["paths[0]", "closed path", "found 4"]
            ),
            (#"{"width": 0, "height": 8}"#, ["canvas", "0x8"]),
            (#"{"width": 8, "height": 8, "background": [1, 1, 2]}"#, ["background", "blue", "2"]),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3]], "strokeWidth": -1}]}"#,
                ["paths[0]", "stroke width", "-1"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3]], "fill": [1, 0, 0]}]}"#,
                ["paths[0]", "only closed paths are filled"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3]], "strokewidth": 2}]}"#,
                ["paths[0]", "unknown key", "strokewidth"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3]]}]}"#,
                ["paths[0].points[3]", "[x, y]"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3]], "stroke": [1, 0]}]}"#,
                ["paths[0].stroke", "[r, g, b]"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],[3,3]], "fillRule": "odd"}]}"#,
                ["paths[0].fillRule", "odd"]
            ),
            (
                #"{"width": 8, "height": 8, "paths": [{"points": [[0,0],[1,1],[2,2],["a",3]]}]}"#,
                ["paths[0].points[3][0]"]
            ),
            (#"{"height": 8}"#, ["missing key", "width"]),
            (#"{"version": 2, "width": 8, "height": 8}"#, ["version 2"]),
            (#"{"width": 8, "height": 8, "paths": ["#, ["not valid JSON"]),
            ("", ["empty"]),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try SceneJSON.decode(Data(json.utf8)), json) { error in
                let message = String(describing: error)
                for fragment in expected {
                    XCTAssertTrue(message.contains(fragment), "\"\(message)\" should mention \"\(fragment)\"")
                }
                XCTAssertTrue(error is SceneError)
            }
        }
    }

    func testNonFiniteCoordinatesAreRejected() {
        var scene = Scene(
            width: 8, height: 8, paths: [Path(points: [Point(0, 0), Point(1, 1), Point(2, 2), Point(3, 3)])])
        scene.paths[0].points[2].x = .nan
        XCTAssertThrowsError(try scene.validate()) { error in
            XCTAssertTrue(String(describing: error).contains("paths[0]: point 2"))
        }
    }
}

/// The example in docs/scene-format.md must stay a valid scene.
final class SceneFormatDocumentationTests: XCTestCase {
    func testDocumentedExampleIsValid() throws {
        let documentation = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/scene-format.md")
        let text = try String(contentsOf: documentation, encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: "```json\n")).upperBound
        let end = try XCTUnwrap(text.range(of: "```", range: start..<text.endIndex)).lowerBound
        let scene = try SceneJSON.decode(Data(text[start..<end].utf8))
        XCTAssertEqual(scene.paths.count, 2)
        XCTAssertEqual(scene.paths[1].fillRule, .evenOdd)
    }
}
