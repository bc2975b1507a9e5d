import Foundation
import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// CLIPDraw with a style image (StyleCLIPDraw) through the library, on the tiny CLIP and VGG16
/// with synthetic weights, at the smallest canvas VGG16 reads (16 pixels).
final class StyleCLIPDrawTests: XCTestCase {
    private func recipe(iterations: Int, clipUntil: Float) throws -> CLIPDraw.Configuration {
        var recipe = try Preset.load("styleclipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        recipe.iterations = iterations
        recipe.clipUntil = clipUntil
        recipe.paths = 12
        recipe.canvas = 16
        recipe.maxWidth = 6
        recipe.augmentations = 2
        return recipe
    }

    /// Vertical stripes of two colours, 24 pixels square.
    private static let stripes: Tensor = {
        var values = [Float](repeating: 0, count: 3 * 24 * 24)
        for channel in 0..<3 {
            for y in 0..<24 {
                for x in 0..<24 { values[channel * 576 + y * 24 + x] = (x / 4) % 2 == 0 ? [0.9, 0.2, 0.1][channel] : 0.95 }
            }
        }
        return Tensor(shape: [3, 24, 24], values: values)
    }()

    private func run(_ recipe: CLIPDraw.Configuration) throws -> [IterationReport] {
        let style = DrawingStyle(image: Self.stripes, network: VGG16Features.synthetic(seed: 16))
        let drawing = try CLIPDraw(prompt: "a red circle", configuration: recipe, model: try TinyCLIP.model(), seed: 3, style: style)
        var reports: [IterationReport] = []
        drawing.run {
            reports.append($0)
            return .proceed
        }
        return reports
    }

    /// With CLIP off from the start, the loss is the style loss alone, and optimising it lowers it.
    func testStyleOnlyStepsLowerTheStyleLoss() throws {
        let reports = try run(try recipe(iterations: 12, clipUntil: 0))
        let losses = reports.map(\.loss)
        XCTAssertTrue(losses.allSatisfy { $0.isFinite && $0 > 0 })
        XCTAssertTrue(reports.allSatisfy { $0.similarity == nil }, "no CLIP, no similarity")
        let first = losses.prefix(3).reduce(0, +) / 3, last = losses.suffix(3).reduce(0, +) / 3
        XCTAssertLessThan(last, first * 0.95, "the style loss should fall: \(losses)")
        XCTAssertTrue(reports.allSatisfy { $0.stages.contains { $0.stage == "style loss" } })
    }

    /// The reference's `t < .9*num_iter`: of 10 steps the first 9 use CLIP; the best is then
    /// kept from the style-only steps (the loss no longer counts CLIP's negative cosines).
    func testCLIPIsLeftOutOfTheLastTenthAndTheBestRestartsThere() throws {
        let reports = try run(try recipe(iterations: 10, clipUntil: 0.9))
        XCTAssertEqual(reports.map { $0.similarity != nil }, Array(repeating: true, count: 9) + [false])
        XCTAssertEqual(reports.last!.bestLoss, reports.last!.loss, "the only style-only step is the best of them")
        XCTAssertTrue(reports.last!.improved)
    }

    /// StyleCLIPDraw's preset is the reference Predictor's call: 500 steps, 10 augmentations,
    /// style weight 4 x 50 / 100, CLIP for t < 0.9 N, CLIP without normalisation.
    func testThePresetIsTheReferencesRecipe() throws {
        let recipe = try Preset.load("styleclipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        XCTAssertEqual(recipe.iterations, 500)
        XCTAssertEqual(recipe.augmentations, 10)
        XCTAssertEqual(recipe.styleWeight, 2)
        XCTAssertEqual(recipe.clipUntil, 0.9)
        XCTAssertFalse(recipe.normalize)
        XCTAssertEqual(recipe.paths, 256)
    }

    func testStepsWithoutCLIPNeedAStyle() throws {
        XCTAssertThrowsError(
            try CLIPDraw(
                prompt: "a red circle", configuration: try recipe(iterations: 10, clipUntil: 0.5), model: try TinyCLIP.model(), seed: 1)
        ) { error in
            XCTAssertTrue("\(error)".contains("clip_until"), "\(error)")
        }
    }

    func testAStyleImageTooNarrowForVGG16IsRefused() throws {
        let style = DrawingStyle(image: Tensor(zeros: [3, 2, 40]), network: VGG16Features.synthetic(seed: 16))
        XCTAssertThrowsError(
            try CLIPDraw(
                prompt: "a red circle", configuration: try recipe(iterations: 2, clipUntil: 1), model: try TinyCLIP.model(), seed: 1,
                style: style)
        ) { error in
            XCTAssertTrue("\(error)".contains("too narrow"), "\(error)")
        }
    }
}
