import Foundation
import Output
import Scene
import TestSupport
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class SceneExportTests: TemporaryDirectoryTestCase {
    /// 224 canvas with a red horizontal stroke from (20, 100) to (200, 100), 8 units wide.
    private let scene = Scene(
        width: 224, height: 224,
        paths: [
            Path(
                points: [Point(20, 100), Point(80, 100), Point(140, 100), Point(200, 100)], strokeColor: RGBA(1, 0, 0),
                strokeWidth: 8)
        ])

    func testOutputSizeKeepsTheAspectRatio() {
        let wide = Scene(width: 300, height: 150)
        XCTAssertTrue(SceneExport.outputSize(of: wide, longerSide: nil) == (300, 150))
        XCTAssertTrue(SceneExport.outputSize(of: wide, longerSide: 600) == (600, 300))
        XCTAssertTrue(SceneExport.outputSize(of: Scene(width: 100, height: 300), longerSide: 1000) == (333, 1000))
    }

    func testFormatFollowsTheExtension() throws {
        XCTAssertEqual(try SceneExport.Format(path: "a/b.SVG"), .svg)
        XCTAssertEqual(try SceneExport.Format(path: "b.pdf"), .pdf)
        XCTAssertThrowsError(try SceneExport.Format(path: "out.jpg")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("out.jpg: cannot tell the output format"))
        }
    }

    /// A 224 canvas exported at 2048 px: the PNG has the stroke at 2048/224 times its position.
    func testPNGAtALargeSizeHasTheStrokeAtTheScaledPosition() throws {
        let file = path("big.png")
        try SceneExport.write(scene, to: [file], longerSide: 2048)
        let image = try ImageFile.load(file)
        XCTAssertEqual([image.width, image.height, image.channels], [2048, 2048, 3])
        let scale: Float = 2048 / 224
        let centreRow = Int(100 * scale)
        let column = Int(110 * scale)
        XCTAssertEqual(image.pixel(x: column, y: centreRow), [1, 0, 0])
        XCTAssertEqual(image.pixel(x: column, y: Int((100 - 3.5) * scale)), [1, 0, 0])
        XCTAssertEqual(image.pixel(x: column, y: Int((100 - 4.5) * scale)), [1, 1, 1])
        XCTAssertEqual(image.pixel(x: column, y: Int((100 + 4.5) * scale)), [1, 1, 1])
    }

    func testTransparentBackgroundGivesAnRGBAPNG() throws {
        var transparent = scene
        transparent.background = nil
        let image = try PNGCodec.decode(SceneExport.encode(transparent, as: .png))
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(image.pixel(x: 5, y: 5), [0, 0, 0, 0])
    }

    /// The SVG keeps canvas units (viewBox, coordinates, stroke width) and sets the display size.
    func testSVGAtALargeSizeKeepsCanvasUnits() throws {
        let file = path("big.svg")
        try SceneExport.write(scene, to: [file], longerSide: 2048)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#"width="2048" height="2048" viewBox="0 0 224 224""#))
        XCTAssertTrue(text.contains(#"stroke-width="8""#))
        XCTAssertEqual(try SVGReader.read(data).scene, scene)
    }

    func testPDFIsAOnePageVectorDocumentOfTheRequestedSize() throws {
        let data = try SceneExport.encode(scene, as: .pdf, longerSide: 448)
        XCTAssertTrue(data.starts(with: Data("%PDF-".utf8)))
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("/MediaBox [ 0 0 448 448 ]"), "no 448 pt page box")
        XCTAssertTrue(text.contains("%%EOF"))
    }

    func testJSONOutputReadsBackExactly() throws {
        let file = path("scene.json")
        try SceneExport.write(scene, to: [file], longerSide: 999)
        XCTAssertEqual(try SceneFile.load(file).scene, scene)
    }

    func testOneBadOutputMeansNoOutputs() throws {
        let existing = path("keep.png")
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        XCTAssertThrowsError(try SceneExport.write(scene, to: [existing, path("new.svg"), path("bad.gif")])) { error in
            XCTAssertEqual((error as? OutputError)?.file, self.path("bad.gif"))
        }
        XCTAssertThrowsError(try SceneExport.write(scene, to: [existing, path("absent/x.svg")]))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: existing)), Data("old".utf8))
        XCTAssertEqual(try directoryContents(), ["keep.png"])
    }
}

/// An independent SVG implementation (librsvg's rsvg-convert, when installed) renders our SVG
/// like Cairo renders the scene: evidence that the SVG means what we think in other programs.
final class IndependentSVGRendererTests: TemporaryDirectoryTestCase {
    func testRSVGRendersOurSVGLikeCairo() throws {
        guard
            let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw XCTSkip("rsvg-convert is not installed (Debian: librsvg2-bin)")
        }
        let scene = try SceneFile.load(TestFiles.sample("scenes/wave.json")).scene
        let svg = path("wave.svg")
        let rendered = path("wave-rsvg.png")
        try SceneExport.write(scene, to: [svg], longerSide: 300)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: converter)
        process.arguments = [svg, "-o", rendered]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)

        let reference = try CairoRenderer.render(scene, width: 300, height: 300).compositedOnWhite()
        let other = try ImageFile.load(rendered).compositedOnWhite()
        XCTAssertEqual([other.width, other.height], [300, 300])
        let meanError =
            zip(reference.pixels, other.pixels).reduce(Float(0)) { $0 + abs($1.0 - $1.1) }
            / Float(reference.pixels.count)
        XCTAssertLessThan(meanError, 1 / 255)
    }
}
