import Foundation
import Scene
import XCTest

/// SVGs as other tools write them. Expected control points follow from the SVG specification:
/// lines become cubics with handles at 1/3 and 2/3, a quadratic (P0, Q, P2) becomes
/// (P0, P0 + 2/3 (Q - P0), P2 + 2/3 (Q - P2), P2). Coordinates are chosen so that these are
/// exact in `Float`.
final class SVGReaderTests: XCTestCase {
    private func read(_ body: String, viewBox: String = "0 0 100 100") throws -> SVGReader.Result {
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="\#(viewBox)">\#(body)</svg>"#
        return try SVGReader.read(Data(svg.utf8))
    }

    private func points(_ pairs: [(Float, Float)]) -> [Point] { pairs.map { Point($0.0, $0.1) } }

    func testAbsoluteCubicAndLineWithClose() throws {
        let scene = try read(#"<path d="M 10 20 C 11 22 13 24 16 26 L 22 32 Z" stroke="black"/>"#).scene
        XCTAssertEqual(scene.paths.count, 1)
        let path = scene.paths[0]
        XCTAssertTrue(path.isClosed)
        // Cubic, line (16,26)->(22,32) with handles at 1/3 and 2/3, then the closing line back
        // to (10,20) with handles at (18,28) and (14,24).
        XCTAssertEqual(
            path.points,
            points([(10, 20), (11, 22), (13, 24), (16, 26), (18, 28), (20, 30), (22, 32), (18, 28), (14, 24)]))
    }

    func testRelativeCommandsMatchAbsoluteOnes() throws {
        let absolute = try read(#"<path d="M 10 10 L 40 10 C 40 20 30 30 10 30 Z" stroke="red"/>"#).scene
        let relative = try read(#"<path d="m10 10 l30 0 c0 10-10 20-30 20z" stroke="red"/>"#).scene
        XCTAssertEqual(relative, absolute)
    }

    func testHorizontalAndVerticalLines() throws {
        let scene = try read(#"<path d="M 3 3 H 9 V 15 h -6 v -6" stroke="black" fill="none"/>"#).scene
        XCTAssertEqual(
            scene.paths[0].points,
            points([
                (3, 3), (5, 3), (7, 3), (9, 3), (9, 7), (9, 11), (9, 15), (7, 15), (5, 15), (3, 15), (3, 13), (3, 11),
                (3, 9),
            ]))
    }

    func testQuadraticBecomesTheExactCubic() throws {
        let scene = try read(#"<path d="M 0 0 Q 3 6 6 0 T 12 0" stroke="black" fill="none"/>"#).scene
        // Q (0,0) (3,6) (6,0): handles (2,4) and (4,4). T reflects the control to (9,-6): handles
        // (8,-4) and (10,-4).
        XCTAssertEqual(scene.paths[0].points, points([(0, 0), (2, 4), (4, 4), (6, 0), (8, -4), (10, -4), (12, 0)]))
    }

    func testSmoothCubicReflectsThePreviousHandle() throws {
        let scene = try read(#"<path d="M 0 0 C 1 2 3 4 5 5 S 9 8 10 10" stroke="black" fill="none"/>"#).scene
        XCTAssertEqual(scene.paths[0].points, points([(0, 0), (1, 2), (3, 4), (5, 5), (7, 6), (9, 8), (10, 10)]))
    }

    func testImplicitLinetoAndCompactNumbers() throws {
        // After a moveto, extra pairs are linetos; "-" and a second "." start new numbers.
        let scene = try read(#"<path d="M0,0 3-3.5.5,6e0 0,0" stroke="black" fill="none"/>"#).scene
        XCTAssertEqual(scene.paths[0].points.first, Point(0, 0))
        XCTAssertEqual(scene.paths[0].points[3], Point(3, -3.5))
        XCTAssertEqual(scene.paths[0].points[6], Point(0.5, 6))
        XCTAssertEqual(scene.paths[0].points[9], Point(0, 0))
    }

    func testEachSubpathBecomesAPath() throws {
        let scene = try read(#"<path d="M 0 0 L 3 0 M 6 6 L 9 6 Z m 3 3 l 3 0" stroke="blue" fill="none"/>"#).scene
        XCTAssertEqual(scene.paths.count, 3)
        XCTAssertEqual(scene.paths.map(\.isClosed), [false, true, false])
        XCTAssertEqual(scene.paths[0].points, points([(0, 0), (1, 0), (2, 0), (3, 0)]))
        XCTAssertEqual(scene.paths[1].points.first, Point(6, 6))
        // After Z the current point is the subpath's start, so "m 3 3" moves to (9, 9).
        XCTAssertEqual(scene.paths[2].points, points([(9, 9), (10, 9), (11, 9), (12, 9)]))
    }

    func testPaintFromAttributesStyleAndGroups() throws {
        let body = #"""
            <g stroke="#ff0000" stroke-width="4" fill="none">
              <path d="M 0 0 L 3 0"/>
              <path d="M 0 0 L 3 0" style="stroke: rgb(0, 0, 255); stroke-width: 2px; stroke-opacity: 0.5"/>
              <g style="stroke:#0f0">
                <path d="M 0 0 L 3 0" stroke="blue" opacity="0.5"/>
              </g>
              <path d="M 0 0 L 6 0 L 6 6 Z" fill="rgb(100%, 50%, 0%)" fill-opacity="0.25" fill-rule="evenodd" stroke="none"/>
            </g>
            """#
        let paths = try read(body).scene.paths
        XCTAssertEqual(paths.count, 4)
        XCTAssertEqual(paths[0].strokeColor, RGBA(1, 0, 0, 1))
        XCTAssertEqual(paths[0].strokeWidth, 4)
        XCTAssertNil(paths[0].fillColor)
        // The style attribute wins over attributes and inherited values.
        XCTAssertEqual(paths[1].strokeColor, RGBA(0, 0, 1, 0.5))
        XCTAssertEqual(paths[1].strokeWidth, 2)
        // The group's style sets green, but the element's own attribute says blue.
        XCTAssertEqual(paths[2].strokeColor, RGBA(0, 0, 1, 0.5))
        XCTAssertEqual(paths[3].fillColor, RGBA(1, 0.5, 0, 0.25))
        XCTAssertEqual(paths[3].fillRule, .evenOdd)
        XCTAssertNil(paths[3].strokeColor)
    }

    func testColourSyntaxes() throws {
        let values = [
            "#fff": RGBA(1, 1, 1), "#336699": RGBA(0x33 / 255, 0x66 / 255, 0x99 / 255),
            "rgb(255, 128, 0)": RGBA(1, 128 / 255, 0), "black": RGBA(0, 0, 0), "white": RGBA(1, 1, 1),
            "red": RGBA(1, 0, 0), "green": RGBA(0, 128 / 255, 0), "blue": RGBA(0, 0, 1),
            "rgba(0, 0, 255, 0.5)": RGBA(0, 0, 1, 0.5), "#00ff0080": RGBA(0, 1, 0, 128 / 255),
        ]
        for (text, expected) in values {
            let paths = try read(#"<path d="M 0 0 L 1 1" stroke="\#(text)" fill="none"/>"#).scene.paths
            XCTAssertEqual(paths[0].strokeColor, expected, text)
        }
        XCTAssertNil(try read(#"<path d="M 0 0 L 1 1" stroke="none" fill="none"/>"#).scene.paths[0].strokeColor)
        XCTAssertThrowsError(try read(#"<path d="M 0 0 L 1 1" stroke="notacolour"/>"#)) { error in
            XCTAssertTrue(String(describing: error).contains("notacolour"))
        }
    }

    /// SVG's initial fill is black, and it fills open subpaths as if closed.
    func testOpenFilledSubpathIsFilledAsIfClosedAndStrokedOpen() throws {
        let paths = try read(#"<path d="M 0 0 L 6 0 L 6 6" fill="red" stroke="black"/>"#).scene.paths
        XCTAssertEqual(paths.count, 2)
        XCTAssertTrue(paths[0].isClosed)
        XCTAssertEqual(paths[0].fillColor, RGBA(1, 0, 0))
        XCTAssertNil(paths[0].strokeColor)
        XCTAssertEqual(paths[0].points.count, 9)
        XCTAssertFalse(paths[1].isClosed)
        XCTAssertNil(paths[1].fillColor)
        XCTAssertEqual(paths[1].strokeColor, RGBA(0, 0, 0))
    }

    func testTransformsMapPointsAndScaleStrokeWidths() throws {
        let body = #"""
            <g transform="translate(10, 20) scale(2)" fill="none">
              <path d="M 1 1 L 4 1" stroke="black" stroke-width="3"/>
            </g>
            <path d="M 1 2 L 4 2" transform="matrix(0 1 -1 0 50 0)" stroke="black" fill="none"/>
            """#
        let paths = try read(body).scene.paths
        XCTAssertEqual(paths[0].points, points([(12, 22), (14, 22), (16, 22), (18, 22)]))
        XCTAssertEqual(paths[0].strokeWidth, 6)
        // (x, y) -> (-y + 50, x): a quarter turn.
        XCTAssertEqual(paths[1].points, points([(48, 1), (48, 2), (48, 3), (48, 4)]))
        XCTAssertEqual(paths[1].strokeWidth, 1)
    }

    func testViewBoxOriginMovesToZeroAndSetsTheCanvas() throws {
        let scene = try read(#"<path d="M -50 -20 L 10 40" stroke="black" fill="none"/>"#, viewBox: "-50 -20 300 150")
            .scene
        XCTAssertEqual(scene.width, 300)
        XCTAssertEqual(scene.height, 150)
        XCTAssertEqual(scene.paths[0].points.first, Point(0, 0))
        XCTAssertEqual(scene.paths[0].points.last, Point(60, 60))
    }

    func testWidthAndHeightSetTheCanvasWithoutViewBox() throws {
        let svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="64px" height="32"></svg>"#
        let scene = try SVGReader.read(Data(svg.utf8)).scene
        XCTAssertEqual(scene.width, 64)
        XCTAssertEqual(scene.height, 32)
        XCTAssertNil(scene.background)
    }

    func testFullCanvasRectFirstIsTheBackgroundAndOtherRectsArePaths() throws {
        let body =
            ##"<rect width="100" height="100" fill="#808080"/><rect x="10" y="10" width="30" height="20" fill="blue"/>"##
        let scene = try read(body).scene
        XCTAssertEqual(scene.background, RGBA(128 / 255, 128 / 255, 128 / 255))
        XCTAssertEqual(scene.paths.count, 1)
        let rect = scene.paths[0]
        XCTAssertTrue(rect.isClosed)
        XCTAssertEqual(rect.segmentCount, 4)
        XCTAssertEqual(rect.points[0], Point(10, 10))
        XCTAssertEqual(rect.points[3], Point(40, 10))
        XCTAssertEqual(rect.points[6], Point(40, 30))
        XCTAssertEqual(rect.points[9], Point(10, 30))
        XCTAssertEqual(rect.fillColor, RGBA(0, 0, 1))
    }

    /// Circles and arcs become cubics whose end points lie exactly on the circle and whose
    /// midpoints stay within the quarter-circle approximation error (2.7e-4 of the radius).
    func testCirclesAndArcsFollowTheCircle() throws {
        let body = #"""
            <circle cx="50" cy="40" r="20" fill="red"/>
            <path d="M 10 80 A 15 15 0 0 1 40 80" stroke="black" fill="none"/>
            """#
        let paths = try read(body).scene.paths
        let circle = paths[0]
        XCTAssertEqual(circle.segmentCount, 4)
        XCTAssertEqual(circle.points[0], Point(70, 40))
        assertOnCircle(circle, centre: Point(50, 40), radius: 20)
        let arc = paths[1]
        XCTAssertEqual(arc.points.first, Point(10, 80))
        XCTAssertEqual(arc.points.last, Point(40, 80))
        XCTAssertEqual(arc.segmentCount, 2)
        assertOnCircle(arc, centre: Point(25, 80), radius: 15)
        // Sweep flag 1 from left to right goes through the top (smaller y in SVG).
        XCTAssertLessThan(arc.points[3].y, 80)
    }

    private func assertOnCircle(
        _ path: Path, centre: Point, radius: Float, file: StaticString = #filePath, line: UInt = #line
    ) {
        for segment in 0..<path.segmentCount {
            let p0 = path.points[3 * segment]
            let p1 = path.points[3 * segment + 1]
            let p2 = path.points[3 * segment + 2]
            let p3 = 3 * segment + 3 < path.points.count ? path.points[3 * segment + 3] : path.points[0]
            for t: Float in [0, 0.25, 0.5, 0.75] {
                let u = 1 - t
                let x = u * u * u * p0.x + 3 * u * u * t * p1.x + 3 * u * t * t * p2.x + t * t * t * p3.x
                let y = u * u * u * p0.y + 3 * u * u * t * p1.y + 3 * u * t * t * p2.y + t * t * t * p3.y
                let distance = ((x - centre.x) * (x - centre.x) + (y - centre.y) * (y - centre.y)).squareRoot()
                XCTAssertEqual(distance, radius, accuracy: 3e-4 * radius + 1e-4, file: file, line: line)
            }
        }
    }

    func testUnsupportedContentIsSkippedWithWarnings() throws {
        let body = #"""
            <defs><linearGradient id="g"/></defs>
            <text x="1" y="1">hello</text>
            <path d="M 0 0 L 1 1" stroke="url(#g)" fill="none"/>
            <metadata><foo/></metadata>
            """#
        let result = try read(body)
        XCTAssertEqual(result.scene.paths.count, 1)
        XCTAssertNil(result.scene.paths[0].strokeColor)
        XCTAssertTrue(result.warnings.contains { $0.contains("<text>") }, "\(result.warnings)")
        XCTAssertTrue(result.warnings.contains { $0.contains("gradient") }, "\(result.warnings)")
        XCTAssertEqual(result.warnings.count, 2)
    }

    func testMalformedInputsGiveClearErrors() {
        let cases: [(svg: String, expected: String)] = [
            ("<svg", "not well-formed XML"),
            (#"<html><body/></html>"#, "root element is <html>"),
            (#"<svg xmlns="http://www.w3.org/2000/svg"/>"#, "viewBox"),
            (#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10"/>"#, "viewBox"),
            (
                #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="L 1 1"/></svg>"#,
                "must start with M"
            ),
            (
                #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\#n<path d="M 1 1 L 2 x"/></svg>"#,
                "line 2: <path>: expected a number at character 11"
            ),
            (#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g transform="spin(3)"/></svg>"#, "spin"),
        ]
        for (svg, expected) in cases {
            XCTAssertThrowsError(try SVGReader.read(Data(svg.utf8)), svg) { error in
                XCTAssertTrue(
                    String(describing: error).contains(expected), "\"\(error)\" should mention \"\(expected)\"")
            }
        }
    }
}
