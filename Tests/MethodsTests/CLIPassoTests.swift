import Foundation
import Methods
import Models
import Output
import Scene
import Tensor
import TestSupport
import XCTest

/// CLIPasso end to end through the library, on a small ResNet (geometric loss) and the small
/// ViT (saliency), both with deterministic weights, at 64 pixels.
final class CLIPassoTests: XCTestCase {
    /// A ResNet of the modified-ResNet shape, one block per stage: the stages the recipe reads
    /// (layer2, layer3) and the attention-pooled embedding all exist.
    static let tinyResNet = CLIPArchitecture(
        vision: .resNet(stageBlocks: [1, 1, 1, 1], width: 8), imageResolution: 64, embedDimension: 32, textWidth: 64, textLayers: 1)

    private static func resNet() throws -> CLIPModel {
        try CLIPModel(weights: SyntheticWeights.stateDict(for: tinyResNet), architecture: tinyResNet, name: "tiny-resnet")
    }

    /// A white photo with a dark ring and a grey square: edges for XDoG, something to sketch.
    static func photo(size: Int = 64) -> Tensor {
        var values = [Float](repeating: 1, count: 3 * size * size)
        for y in 0..<size {
            for x in 0..<size {
                let dx = Float(x) - 0.35 * Float(size), dy = Float(y) - 0.4 * Float(size)
                let radius = (dx * dx + dy * dy).squareRoot()
                var value: Float = 1
                if abs(radius - 0.2 * Float(size)) < 2.5 { value = 0.1 }
                if x > size * 6 / 10 && x < size * 9 / 10 && y > size * 5 / 10 && y < size * 8 / 10 { value = 0.5 }
                for channel in 0..<3 { values[(channel * size + y) * size + x] = value * (channel == 2 ? 0.8 : 1) }
            }
        }
        return Tensor(shape: [3, size, size], values: values)
    }

    private func recipe(iterations: Int = 40, strokes: Int = 8) throws -> CLIPasso.Configuration {
        var recipe = try Preset.load("clipasso", method: "clipasso", as: CLIPasso.Configuration.self)
        recipe.iterations = iterations
        recipe.strokes = strokes
        // The small photo needs thinner strokes to show detail; the loss works the same.
        recipe.strokeWidth = 1.5
        return recipe
    }

    private func target(_ recipe: CLIPasso.Configuration) throws -> SketchTarget {
        let saliency = try SketchSaliency(photo: Self.photo(), model: try TinyCLIP.model(), modelName: "tiny", edgeIntersection: true)
        return try SketchTarget(photo: Self.photo(), configuration: recipe, geometricModel: try Self.resNet(), saliency: saliency)
    }

    private func mean(_ values: ArraySlice<Float>) -> Float { values.reduce(0, +) / Float(values.count) }

    func testPresetsHoldTheReferenceRecipe() throws {
        let recipe = try Preset.load("clipasso", method: "clipasso", as: CLIPasso.Configuration.self)
        XCTAssertEqual(recipe.strokes, 16)
        XCTAssertEqual(recipe.iterations, 2000)
        XCTAssertEqual(recipe.strokeWidth, 3, "radius 1.5 in the reference")
        XCTAssertEqual(recipe.geometricModel, "RN101")
        XCTAssertEqual(recipe.geometricLayers, [2, 3])
        XCTAssertEqual([recipe.geometricWeight, recipe.semanticWeight, recipe.learningRate, recipe.softmaxTemperature], [1, 0.1, 1, 0.3])
        XCTAssertEqual([recipe.augmentations, recipe.evalInterval], [4, 10])
        XCTAssertEqual(recipe.minDelta, 1e-5)
        XCTAssertNoThrow(try recipe.validate())
        for level in [4, 8, 16, 32] {
            var abstraction = try Preset.load("clipasso-\(level)", method: "clipasso", as: CLIPasso.Configuration.self)
            XCTAssertEqual(abstraction.strokes, level)
            abstraction.strokes = 16
            XCTAssertEqual(abstraction, recipe, "clipasso-\(level) differs from clipasso only in strokes")
        }
        let fast = try Preset.load("clipasso-fast", method: "clipasso", as: CLIPasso.Configuration.self)
        XCTAssertEqual(fast.geometricModel, "ViT-B/32")
        XCTAssertLessThan(fast.iterations, recipe.iterations)
    }

    func testStrokesStartOnSalientEdgesAsOneBlackCubicEach() throws {
        let recipe = try recipe(strokes: 12)
        let target = try target(recipe)
        let startMap = try XCTUnwrap(target.saliency?.startMap)
        let run = try CLIPasso(target: target, configuration: recipe, seed: 3)
        XCTAssertEqual(Set(run.startPixels).count, 12)
        for pixel in run.startPixels {
            XCTAssertGreaterThan(startMap.pointer[pixel.y * 64 + pixel.x], 0, "starts on an edge with attention")
        }
        let scene = run.currentScene
        XCTAssertEqual(scene.paths.count, 12)
        for (path, pixel) in zip(scene.paths, run.startPixels) {
            XCTAssertEqual(path.points.count, 4)
            XCTAssertEqual(path.points[0], Point(Float(pixel.x), Float(pixel.y)))
            XCTAssertEqual(path.strokeColor, RGBA(0, 0, 0, 1))
            XCTAssertEqual(path.strokeWidth, 1.5)
            for point in path.points.dropFirst() {
                XCTAssertLessThanOrEqual(abs(point.x - path.points[0].x), 3 * 0.025 * 64 + 1e-3)
            }
        }
    }

    func testARunLowersTheLossAndKeepsTheBestEvaluatedSketch() throws {
        var recipe = try recipe(iterations: 40)
        recipe.minDelta = 0
        let run = try CLIPasso(target: try target(recipe), configuration: recipe, seed: 1)
        var reports: [IterationReport] = []
        run.run {
            reports.append($0); return .proceed
        }
        XCTAssertEqual(reports.count, 40)
        let losses = reports.map(\.loss)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        XCTAssertLessThan(mean(losses.suffix(8)), mean(losses.prefix(8)), "loss should fall: \(losses)")
        // Evaluations happen at steps 1, 11, 21, 31 (before their updates); only they can improve.
        for report in reports where report.improved { XCTAssertEqual(report.iteration % 10, 1) }
        XCTAssertTrue(reports[0].improved)
        let bests = reports.map(\.bestLoss)
        XCTAssertEqual(bests, bests.sorted(by: >), "the best evaluation loss never rises")
        XCTAssertEqual(run.bestEvaluationLoss, bests.last)
        XCTAssertNotEqual(run.bestScene, run.currentScene, "the best sketch is the one evaluated, before later updates")
        XCTAssertEqual(
            Set(reports[0].stages.map(\.stage)), ["render", "augment", "target forward", "sketch forward", "backward", "update"])
    }

    func testEarlyStoppingEndsTheRunAfterTwoEvaluationsNearTheBest() throws {
        var recipe = try recipe(iterations: 100)
        // Every evaluation after the first is "within min_delta" of the best.
        recipe.minDelta = 1e9
        let run = try CLIPasso(target: try target(recipe), configuration: recipe, seed: 2)
        var reports: [IterationReport] = []
        run.run {
            reports.append($0); return .proceed
        }
        XCTAssertEqual(reports.count, 21, "evaluations at steps 1 (best), 11 (near: armed), 21 (near again: stop)")
        XCTAssertTrue(run.hasConverged)
        XCTAssertTrue(reports.last!.converged)
        XCTAssertFalse(reports.dropLast().contains { $0.converged })
    }

    func testSeveralSeedsAndLevelsKeepTheLowestEvaluationLossPerLevel() throws {
        var recipe = try recipe(iterations: 12)
        recipe.seeds = 3
        let target = try target(recipe)
        let runs = try CLIPassoRuns(target: target, configuration: recipe, levels: [4, 6], seed: 10)
        XCTAssertEqual(runs.runs.map { $0.configuration.strokes }, [4, 4, 4, 6, 6, 6])
        XCTAssertEqual(runs.runs.map(\.seed), [10, 1010, 2010, 10, 1010, 2010])
        XCTAssertEqual(runs.iterations, 72)
        var reports: [IterationReport] = []
        runs.run {
            reports.append($0); return .proceed
        }
        XCTAssertEqual(reports.map(\.iteration), Array(1...72))
        XCTAssertTrue(reports.allSatisfy { $0.iterations == 72 })
        let results = runs.results
        XCTAssertEqual(results.map(\.strokes), [4, 6])
        for result in results {
            let level = runs.runs.filter { $0.configuration.strokes == result.strokes }
            let losses = level.compactMap(\.bestEvaluationLoss)
            XCTAssertEqual(losses.count, 3)
            XCTAssertEqual(result.evaluationLoss, losses.min())
            XCTAssertEqual(result.scene, level.first { $0.bestEvaluationLoss == losses.min() }!.bestScene)
            XCTAssertEqual(result.scene.paths.count, result.strokes)
        }
    }

    func testTheSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws {
        let recipe = try recipe(iterations: 6)
        func svg(seed: UInt64) throws -> Data {
            let runs = try CLIPassoRuns(target: try target(recipe), configuration: recipe, seed: seed)
            runs.run()
            return try SceneExport.encode(runs.results[0].scene, as: .svg)
        }
        let first = try svg(seed: 3)
        XCTAssertEqual(first, try svg(seed: 3))
        XCTAssertNotEqual(first, try svg(seed: 4))
        let scene = try SVGReader.read(first).scene
        XCTAssertEqual(scene.paths.count, 8)
        XCTAssertEqual(scene.paths[0].strokeWidth, 1.5, "the SVG shows the full width the optimiser saw")
    }

    func testViewsPerPassDoNotChangeTheRun() throws {
        var recipe = try recipe(iterations: 3)
        XCTAssertEqual(recipe.augmentations, 4, "5 copies: chunks of 2 leave a last chunk of 1")
        let target = try target(recipe)
        func run(viewsPerPass: Int) throws -> (losses: [Float], points: [Float], evaluation: Float?) {
            recipe.viewsPerPass = viewsPerPass
            let run = try CLIPasso(target: target, configuration: recipe, seed: 5)
            var losses: [Float] = []
            run.run {
                losses.append($0.loss); return .proceed
            }
            return (losses, run.currentScene.paths.flatMap { $0.points.flatMap { [$0.x, $0.y] } }, run.bestEvaluationLoss)
        }
        let whole = try run(viewsPerPass: 5)
        XCTAssertEqual(whole.losses.count, 3)
        for viewsPerPass in [1, 2] {
            let chunked = try run(viewsPerPass: viewsPerPass)
            // The first loss checks the chunks' weights; later losses and the points after three
            // Adam steps check the gradient (a step depends on its gradient relative to earlier
            // ones). Only float summation order differs: the points agree to about 1e-4 pixels.
            for (a, b) in zip(chunked.losses, whole.losses) { XCTAssertEqual(a, b, accuracy: 1e-4 * abs(b), "\(viewsPerPass) per pass") }
            assertClose(chunked.points, whole.points.map(Double.init), tolerance: 1e-3, "\(viewsPerPass) per pass")
            XCTAssertEqual(try XCTUnwrap(chunked.evaluation), try XCTUnwrap(whole.evaluation), accuracy: 1e-4 * abs(whole.evaluation!))
        }
        recipe.viewsPerPass = 0
        XCTAssertThrowsError(try recipe.validate()) { XCTAssertTrue(String(describing: $0).contains("views_per_pass"), "\($0)") }
    }

    func testTheViTGeometricLossRunsOnBlockTokens() throws {
        var recipe = try Preset.load("clipasso-fast", method: "clipasso", as: CLIPasso.Configuration.self)
        recipe.iterations = 12
        recipe.strokes = 6
        recipe.geometricLayers = [0]
        let model = try TinyCLIP.model()
        let saliency = try SketchSaliency(photo: Self.photo(), model: model, modelName: "tiny", edgeIntersection: true)
        let target = try SketchTarget(photo: Self.photo(), configuration: recipe, geometricModel: model, saliency: saliency)
        let run = try CLIPasso(target: target, configuration: recipe, seed: 1)
        var losses: [Float] = []
        run.run {
            losses.append($0.loss); return .proceed
        }
        XCTAssertEqual(losses.count, 12)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        recipe.geometricLayers = [1]
        XCTAssertThrowsError(try SketchTarget(photo: Self.photo(), configuration: recipe, geometricModel: model, saliency: saliency)) {
            XCTAssertTrue(String(describing: $0).contains("does not exist"), "\($0)")
        }
    }

    func testTargetPreparationCropsPadsMasksAndRefusesBadInputs() throws {
        // A 40x80 photo: left half black, right half white.
        let values = (0..<(3 * 40 * 80)).map { index -> Float in index % 80 < 40 ? 0 : 1 }
        let photo = Tensor(shape: [3, 40, 80], values: values)
        let cropped = try TargetPreparation.prepare(photo: photo, mask: nil, size: 64, pad: false, padMargin: 20)
        XCTAssertEqual(cropped.shape, [3, 64, 64])
        let padded = try TargetPreparation.prepare(photo: photo, mask: nil, size: 64, pad: true, padMargin: 20)
        XCTAssertEqual(padded.pointer[0], 1, "the padding is white")
        XCTAssertLessThan(padded.pointer[32 * 64 + 20], 0.05, "the photo sits in the middle")
        let mask = Tensor(zeros: [40, 80])
        let blank = try TargetPreparation.prepare(photo: photo, mask: mask, size: 64, pad: false, padMargin: 20)
        XCTAssertEqual(blank.values.min()!, 1, accuracy: 1e-6, "a zero mask blanks everything to white")
        XCTAssertThrowsError(
            try TargetPreparation.prepare(photo: photo, mask: Tensor(zeros: [40, 81]), size: 64, pad: false, padMargin: 20)
        ) {
            XCTAssertTrue(String(describing: $0).contains("81x40"), "\($0)")
        }
        XCTAssertThrowsError(
            try TargetPreparation.prepare(photo: Tensor(zeros: [3, 31, 80]), mask: nil, size: 64, pad: false, padMargin: 20)
        ) {
            XCTAssertTrue(String(describing: $0).contains("at least 32"), "\($0)")
        }
    }
}
