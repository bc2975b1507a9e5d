import Foundation
import Methods
import Models
import Output
import Scene
import Tensor
import TestSupport
import XCTest

/// CLIPDraw end to end through the library, on a small CLIP with deterministic weights.
final class CLIPDrawTests: XCTestCase {
    /// The reference recipe, shortened and shrunk to run in a test.
    private func recipe(iterations: Int = 40, paths: Int = 24) throws -> CLIPDraw.Configuration {
        var recipe = try Preset.load("clipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        recipe.iterations = iterations
        recipe.paths = paths
        recipe.canvas = 64
        recipe.maxWidth = 12
        return recipe
    }

    private func draw(_ recipe: CLIPDraw.Configuration, seed: UInt64 = 7, start: Scene? = nil) throws -> (CLIPDraw, [IterationReport]) {
        let drawing = try CLIPDraw(prompt: "a red circle", configuration: recipe, model: try TinyCLIP.model(), seed: seed, start: start)
        var reports: [IterationReport] = []
        drawing.run {
            reports.append($0); return .proceed
        }
        return (drawing, reports)
    }

    private func mean(_ values: ArraySlice<Float>) -> Float { values.reduce(0, +) / Float(values.count) }

    func testARunLowersTheLossAndKeepsTheBestDrawing() throws {
        let (drawing, reports) = try draw(try recipe())
        XCTAssertEqual(reports.count, 40)
        XCTAssertEqual(reports.map(\.iteration), Array(1...40))
        let losses = reports.map(\.loss)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        XCTAssertLessThan(mean(losses.suffix(8)), mean(losses.prefix(8)) - 0.05, "loss should fall: \(losses)")
        // The loss is minus the sum of the 4 copies' cosines, so similarity = −loss / 4.
        for report in reports { XCTAssertEqual(report.similarity!, -report.loss / 4, accuracy: 1e-5) }
        XCTAssertEqual(reports.last!.bestLoss, losses.min()!)
        let bestStep = losses.firstIndex(of: losses.min()!)!
        XCTAssertTrue(reports[bestStep].improved)
        XCTAssertNotEqual(
            drawing.bestScene, drawing.currentScene, "the best drawing is the one rendered at the best step, before its update")
        XCTAssertEqual(Set(reports.flatMap { $0.stages.map(\.stage) }), ["render", "augment", "clip forward", "backward", "update"])
    }

    func testTheResultHonoursTheRecipesBoundsAndRoundTripsThroughSVG() throws {
        let (drawing, _) = try draw(try recipe(iterations: 12))
        let scene = drawing.bestScene
        XCTAssertEqual(scene.paths.count, 24)
        XCTAssertEqual(scene.background, .white)
        for path in scene.paths {
            XCTAssertFalse(path.isClosed)
            XCTAssertTrue([4, 7, 10].contains(path.points.count), "1 to 3 segments")
            XCTAssertTrue((2...12).contains(path.strokeWidth), "width \(path.strokeWidth) outside [2, 12]")
            let color = try XCTUnwrap(path.strokeColor)
            XCTAssertTrue([color.r, color.g, color.b, color.a].allSatisfy { (0...1).contains($0) })
        }
        let svg = try SceneExport.encode(scene, as: .svg)
        XCTAssertEqual(try SVGReader.read(svg).scene, scene, "the SVG reads back as the same scene")
        let png = try SceneExport.encode(scene, as: .png, longerSide: 128)
        XCTAssertEqual(try PNGCodec.decode(png).width, 128)
    }

    func testTheSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws {
        let shortRecipe = try recipe(iterations: 6)
        let first = try SceneExport.encode(try draw(shortRecipe, seed: 3).0.bestScene, as: .svg)
        let again = try SceneExport.encode(try draw(shortRecipe, seed: 3).0.bestScene, as: .svg)
        let other = try SceneExport.encode(try draw(shortRecipe, seed: 4).0.bestScene, as: .svg)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
    }

    func testPaletteAndOpaqueStrokes() throws {
        var paletteRecipe = try recipe(iterations: 10)
        paletteRecipe.palette = ["#e63946", "#1d3557", "black"]
        paletteRecipe.opacity = false
        let (drawing, reports) = try draw(paletteRecipe)
        XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite })
        let allowed: Set<[Float]> = [[230 / 255, 57 / 255, 70 / 255], [29 / 255, 53 / 255, 87 / 255], [0, 0, 0]]
        for scene in [drawing.bestScene, drawing.currentScene] {
            for path in scene.paths {
                let color = try XCTUnwrap(path.strokeColor)
                XCTAssertTrue(allowed.contains([color.r, color.g, color.b]), "\(color) is not a palette colour")
                XCTAssertEqual(color.a, 1)
            }
        }
        let colorsUsed = Set(drawing.currentScene.paths.map { [$0.strokeColor!.r, $0.strokeColor!.g, $0.strokeColor!.b] })
        XCTAssertGreaterThan(colorsUsed.count, 1)
    }

    func testNegativePromptsEnterTheLossWithTheirWeight() throws {
        var withNegative = try recipe(iterations: 1)
        withNegative.negatives = [.init(text: "a blue square", weight: 0.3)]
        let (_, reports) = try draw(withNegative)
        let (_, plain) = try draw(try recipe(iterations: 1))
        // Same seed, same first render and views: the negative only adds 0.3 × Σ cos(negative).
        XCTAssertEqual(reports[0].similarity!, plain[0].similarity!, accuracy: 1e-6)
        XCTAssertNotEqual(reports[0].loss, plain[0].loss)
    }

    func testStartingFromADrawingKeepsItsPaths() throws {
        let start = Scene(
            width: 96, height: 48, background: .black,
            paths: [
                Path(points: [Point(10, 10), Point(20, 30), Point(40, 10), Point(80, 40)], strokeColor: RGBA(1, 0, 0, 1), strokeWidth: 4),
                Path(
                    points: [Point(50, 5), Point(60, 5), Point(70, 20), Point(60, 40), Point(50, 40), Point(45, 20)], isClosed: true,
                    strokeColor: nil, fillColor: RGBA(0.2, 0.3, 0.8, 0.9)),
            ])
        var startRecipe = try recipe(iterations: 5, paths: 3)
        startRecipe.background = "white"
        let (drawing, reports) = try draw(startRecipe, start: start)
        XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite })
        let scene = drawing.currentScene
        XCTAssertEqual([scene.width, scene.height], [96, 48], "the start drawing's canvas is kept")
        XCTAssertEqual(scene.paths.count, 5)
        XCTAssertEqual(scene.paths[1].isClosed, true)
        XCTAssertNil(scene.paths[1].strokeColor)
        XCTAssertNotEqual(scene.paths[1].fillColor, RGBA(0.2, 0.3, 0.8, 0.9), "fills of the start drawing are optimised too")
        XCTAssertNotEqual(scene.paths[0].points, start.paths[0].points)
    }

    func testBadRecipesAreRefusedWithAReason() throws {
        func refusal(_ change: (inout CLIPDraw.Configuration) -> Void, prompt: String = "a cat") throws -> String {
            var bad = try recipe()
            change(&bad)
            do {
                _ = try CLIPDraw(prompt: prompt, configuration: bad, model: try TinyCLIP.model(), seed: 0)
                return ""
            } catch { return String(describing: error) }
        }
        XCTAssertTrue(try refusal({ _ in }, prompt: "  ").contains("prompt is empty"))
        XCTAssertTrue(try refusal { $0.iterations = 0 }.contains("iterations"))
        XCTAssertTrue(try refusal { $0.paths = 0 }.contains("no paths"))
        XCTAssertTrue(try refusal { $0.maxWidth = -1 }.contains("max-width"))
        XCTAssertTrue(try refusal { $0.palette = ["#12"] }.contains("palette"))
        XCTAssertTrue(try refusal { $0.background = "#ff000080" }.contains("opaque"))
    }
}
