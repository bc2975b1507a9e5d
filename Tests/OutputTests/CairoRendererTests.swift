import Foundation
import Output
import Scene
import XCTest

/// Cairo renders of small scenes, probed at pixels whose colour follows from the geometry and
/// from "over" compositing, C = C_below (1 - a) + c a. Pixel (x, y) covers [x, x+1) × [y, y+1)
/// in canvas units when the output size equals the canvas size.
final class CairoRendererTests: XCTestCase {
    /// One 8-bit level, plus the rounding of premultiplied storage.
    private let tolerance: Float = 1.5 / 255

    private func assertPixel(
        _ image: Image, _ x: Int, _ y: Int, _ expected: [Float], file: StaticString = #filePath, line: UInt = #line
    ) {
        let actual = image.pixel(x: x, y: y)
        for (a, e) in zip(actual, expected) where abs(a - e) > tolerance {
            XCTFail("pixel (\(x), \(y)) is \(actual), expected \(expected)", file: file, line: line)
            return
        }
    }

    /// A straight segment as a cubic with handles on the line.
    private func line(_ from: Point, _ to: Point) -> [Point] {
        [
            from, Point(from.x + (to.x - from.x) / 3, from.y + (to.y - from.y) / 3),
            Point(from.x + 2 * (to.x - from.x) / 3, from.y + 2 * (to.y - from.y) / 3), to,
        ]
    }

    /// A closed polygon in the closed layout: each edge a straight cubic, the last one ending at
    /// the first vertex.
    private func polygon(_ vertices: [Point]) -> [Point] {
        var points: [Point] = []
        for (index, vertex) in vertices.enumerated() {
            let next = vertices[(index + 1) % vertices.count]
            points += line(vertex, next).dropLast()
        }
        return points
    }

    func testStrokeCoversItsWidthAndRoundCaps() throws {
        let red = RGBA(1, 0, 0)
        let scene = Scene(
            width: 100, height: 100,
            paths: [Path(points: line(Point(20, 50), Point(80, 50)), strokeColor: red, strokeWidth: 10)])
        let image = try CairoRenderer.render(scene, width: 100, height: 100)
        XCTAssertEqual(image.channels, 4)
        // The stroke covers y in [45, 55]: rows 45...54 fully.
        assertPixel(image, 50, 50, [1, 0, 0, 1])
        assertPixel(image, 50, 45, [1, 0, 0, 1])
        assertPixel(image, 50, 54, [1, 0, 0, 1])
        assertPixel(image, 50, 43, [1, 1, 1, 1])
        assertPixel(image, 50, 56, [1, 1, 1, 1])
        // Round cap of radius 5 around (80, 50): pixel (83, 50) lies inside, (86, 50) outside,
        // and the square corner (84, 45) outside the disc.
        assertPixel(image, 83, 50, [1, 0, 0, 1])
        assertPixel(image, 86, 50, [1, 1, 1, 1])
        assertPixel(image, 84, 45, [1, 1, 1, 1])
    }

    func testSemiTransparentStrokesCompositeOver() throws {
        let red = RGBA(1, 0, 0, 0.5)
        let blue = RGBA(0, 0, 1, 0.6)
        let background = RGBA(0.2, 0.8, 0.4)
        let scene = Scene(
            width: 60, height: 60, background: background,
            paths: [
                Path(points: line(Point(0, 30), Point(60, 30)), strokeColor: red, strokeWidth: 12),
                Path(points: line(Point(30, 0), Point(30, 60)), strokeColor: blue, strokeWidth: 12),
            ])
        let image = try CairoRenderer.render(scene, width: 60, height: 60)
        func over(_ below: [Float], _ color: RGBA) -> [Float] {
            zip(below, [color.r, color.g, color.b]).map { $0.0 * (1 - color.a) + $0.1 * color.a }
        }
        let base = [background.r, background.g, background.b]
        assertPixel(image, 5, 5, base + [1])
        assertPixel(image, 5, 30, over(base, red) + [1])
        assertPixel(image, 30, 5, over(base, blue) + [1])
        assertPixel(image, 30, 30, over(over(base, red), blue) + [1])
    }

    /// A pentagram drawn as one closed path: its centre is wound twice, so it is filled under
    /// nonzero and left empty under even-odd; a tip (wound once) is filled under both.
    func testFillRulesOnASelfOverlappingStar() throws {
        let vertices = (0..<5).map { index -> Point in
            let angle = -Float.pi / 2 + Float(index) * 4 * Float.pi / 5
            return Point(50 + 45 * cos(angle), 50 + 45 * sin(angle))
        }
        for rule in [FillRule.nonZero, .evenOdd] {
            let star = Path(
                points: polygon(vertices), isClosed: true, strokeColor: nil, fillColor: RGBA(0, 0, 1), fillRule: rule)
            let image = try CairoRenderer.render(Scene(width: 100, height: 100, paths: [star]), width: 100, height: 100)
            assertPixel(image, 50, 50, rule == .nonZero ? [0, 0, 1, 1] : [1, 1, 1, 1])
            assertPixel(image, 50, 12, [0, 0, 1, 1])
            assertPixel(image, 3, 97, [1, 1, 1, 1])
        }
    }

    /// Two nested squares with the same winding in one path (joined by a bridge walked both
    /// ways): the inner square is wound twice.
    func testFillRulesOnNestedSquaresInOnePath() throws {
        let outer = [Point(10, 10), Point(90, 10), Point(90, 90), Point(10, 90), Point(10, 10)]
        let inner = [Point(30, 30), Point(70, 30), Point(70, 70), Point(30, 70), Point(30, 30)]
        let vertices = outer + inner
        for rule in [FillRule.nonZero, .evenOdd] {
            let squares = Path(
                points: polygon(vertices), isClosed: true, strokeColor: nil, fillColor: RGBA(0, 0.5, 0), fillRule: rule)
            let image = try CairoRenderer.render(
                Scene(width: 100, height: 100, paths: [squares]), width: 100, height: 100)
            assertPixel(image, 50, 50, rule == .nonZero ? [0, 0.5, 0, 1] : [1, 1, 1, 1])
            assertPixel(image, 20, 50, [0, 0.5, 0, 1])
            assertPixel(image, 95, 50, [1, 1, 1, 1])
        }
    }

    func testFillThenStrokeOfAClosedPath() throws {
        let square = Path(
            points: polygon([Point(20, 20), Point(80, 20), Point(80, 80), Point(20, 80)]), isClosed: true,
            strokeColor: RGBA(0, 0, 0), strokeWidth: 4, fillColor: RGBA(1, 1, 0))
        let image = try CairoRenderer.render(Scene(width: 100, height: 100, paths: [square]), width: 100, height: 100)
        assertPixel(image, 50, 50, [1, 1, 0, 1])
        assertPixel(image, 50, 20, [0, 0, 0, 1])
        assertPixel(image, 80, 50, [0, 0, 0, 1])
        assertPixel(image, 50, 10, [1, 1, 1, 1])
    }

    func testTransparentBackgroundKeepsAlphaAndUnpremultipliedColour() throws {
        let scene = Scene(
            width: 40, height: 40, background: nil,
            paths: [
                Path(points: line(Point(0, 20), Point(40, 20)), strokeColor: RGBA(0.4, 0.2, 1, 0.5), strokeWidth: 10)
            ])
        let image = try CairoRenderer.render(scene, width: 40, height: 40)
        assertPixel(image, 5, 5, [0, 0, 0, 0])
        // Un-premultiplying a byte divides its rounding error by alpha.
        let pixel = image.pixel(x: 20, y: 20)
        XCTAssertEqual(pixel[3], 0.5, accuracy: 1 / 255)
        for (actual, expected) in zip(pixel, [0.4, 0.2, 1] as [Float]) {
            XCTAssertEqual(actual, expected, accuracy: 3 / 255)
        }
    }

    /// At twice the canvas size, the stroke from y = 45 to 55 covers rows 90...109.
    func testRenderingAtAnotherSizeScalesTheGeometry() throws {
        let scene = Scene(
            width: 100, height: 100,
            paths: [Path(points: line(Point(20, 50), Point(80, 50)), strokeColor: RGBA(1, 0, 0), strokeWidth: 10)])
        let image = try CairoRenderer.render(scene, width: 200, height: 200)
        assertPixel(image, 100, 90, [1, 0, 0, 1])
        assertPixel(image, 100, 109, [1, 0, 0, 1])
        assertPixel(image, 100, 87, [1, 1, 1, 1])
        assertPixel(image, 100, 112, [1, 1, 1, 1])
    }

    func testImpossibleSizesAreErrors() {
        let scene = Scene(width: 10, height: 10)
        for (width, height) in [(0, 10), (10, -1), (40000, 10)] {
            XCTAssertThrowsError(try CairoRenderer.render(scene, width: width, height: height)) { error in
                XCTAssertEqual((error as? OutputError)?.kind, .invalidSize)
            }
        }
    }
}
