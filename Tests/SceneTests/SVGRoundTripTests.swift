import Foundation
import Scene
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class SVGRoundTripTests: XCTestCase {
    func testRandomScenesRoundTripExactly() throws {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<300 {
            let scene = RandomScenes.scene(&generator)
            let result = try SVGReader.read(Data(SVGWriter.svg(scene).utf8))
            XCTAssertEqual(result.scene, scene)
            XCTAssertEqual(result.warnings, [])
        }
    }

    func testDisplaySizeChangesOnlyWidthAndHeight() throws {
        var generator = SeededGenerator(seed: 4)
        let scene = Scene(width: 224, height: 160, paths: (0..<4).map { _ in RandomScenes.path(&generator) })
        let svg = SVGWriter.svg(scene, width: 2048, height: 1463)
        let root = try XCTUnwrap(RootAttributes.of(svg))
        XCTAssertEqual(root["width"], "2048")
        XCTAssertEqual(root["height"], "1463")
        XCTAssertEqual(root["viewBox"], "0 0 224 160")
        XCTAssertEqual(try SVGReader.read(Data(svg.utf8)).scene, scene)
    }

    /// The attributes a browser or Inkscape reads: exact widths, round caps and joins, and
    /// colours in SVG 1.1 syntax (percentages) with separate opacities.
    func testPathAttributesAreThoseOfTheScene() throws {
        let path = Path(
            points: [Point(1, 2), Point(3, 4), Point(5, 6), Point(7, 8)], strokeColor: RGBA(1, 0.5, 0, 0.25),
            strokeWidth: 2.75)
        let svg = SVGWriter.svg(Scene(width: 10, height: 10, background: RGBA(0, 0, 1), paths: [path]))
        XCTAssertTrue(svg.contains(#"<rect id="background" width="10" height="10" fill="rgb(0%, 0%, 100%)"/>"#))
        XCTAssertTrue(
            svg.contains(
                #"<path d="M 1 2 C 3 4 5 6 7 8" fill="none" stroke="rgb(100%, 50%, 0%)" stroke-opacity="0.25" "#
                    + #"stroke-width="2.75" stroke-linecap="round" stroke-linejoin="round"/>"#), svg)
    }
}

/// The root element's attributes, read with Foundation's XML parser (not our reader).
private final class RootAttributes: NSObject, XMLParserDelegate {
    private var attributes: [String: String]?

    static func of(_ svg: String) -> [String: String]? {
        let parser = XMLParser(data: Data(svg.utf8))
        let delegate = RootAttributes()
        parser.delegate = delegate
        guard parser.parse() else { return nil }
        return delegate.attributes
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if self.attributes == nil, elementName == "svg" {
            self.attributes = attributes
        }
    }
}
