import Foundation
import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// CLIPAG's pieces against references, and the method end to end on a small deterministic CLIP.
final class CLIPAGTests: XCTestCase {
    func testDynamicThresholdMatchesTheReferenceNotebook() throws {
        let url = Fixtures(Bundle.module).url("dynamic_threshold.json")
        let fixture = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 4)
        for entry in cases {
            let spread = try XCTUnwrap(entry["spread"] as? Double), p = try XCTUnwrap(entry["p"] as? Double)
            let shape = try XCTUnwrap(entry["shape"] as? [Int]), expected = try XCTUnwrap(entry["output"] as? [Double])
            let count = shape.reduce(1, *)
            // The fixture script's formula for the input.
            let values = (0..<count).map { i -> Float in
                let position = Double(i)
                let wave: Double = sin(1.7 * position + 0.3) * cos(0.11 * position)
                return Float(0.5 + spread * wave)
            }
            let image = Tensor(shape: shape, values: values)
            DynamicThreshold(quantile: Float(p)).apply(image)
            assertClose(image.values, expected, tolerance: 2e-6, "spread \(spread), p \(p)")
            XCTAssertTrue(image.values.allSatisfy { (0...1).contains($0) })
        }
    }

    func testPyramidRoundTripsAndPassesGradientsToEveryLevel() {
        let image = randomTensor([1, 3, 40, 24], seed: 5, 0, 1)
        let pyramid = LaplacianPyramid(height: 40, width: 24, levels: 4)
        XCTAssertEqual(pyramid.sizes.map(\.height), [40, 20, 10, 5])
        let levels = pyramid.decompose(image)
        XCTAssertEqual(levels.map(\.shape), [[1, 3, 40, 24], [1, 3, 20, 12], [1, 3, 10, 6], [1, 3, 5, 3]])
        assertClose(pyramid.compose(levels).values, image.values.map(Double.init), tolerance: 1e-5, "compose(decompose(x)) == x")
        let coarse = levels.map { Tensor(shape: $0.shape, values: $0.values) }
        checkGradients(coarse) { pyramid.compose($0) }
    }

    private func recipe(iterations: Int = 12) throws -> CLIPAG.Configuration {
        var recipe = try Preset.load("clipag", method: "clipag", as: CLIPAG.Configuration.self)
        recipe.iterations = iterations
        recipe.size = 64
        recipe.globalViews = 4
        recipe.patches = 48  // 48 × (64/224)² ≈ 4 patches at 64 pixels
        recipe.patchSize = 32
        recipe.initCandidates = 4
        recipe.viewsPerPass = 3  // chunks that do not divide the batch
        recipe.learningRate = 0.05
        return recipe
    }

    private let prompt = "a yellow flower"

    private func paint(_ recipe: CLIPAG.Configuration, seed: UInt64 = 2, start: Tensor? = nil) throws -> (CLIPAG, [IterationReport]) {
        let painting = try CLIPAG(prompt: prompt, configuration: recipe, model: try TinyCLIP.model(), seed: seed, start: start)
        var reports: [IterationReport] = []
        painting.run {
            reports.append($0); return .proceed
        }
        return (painting, reports)
    }

    /// The cosine of images [3, 64, 64] to the prompt under the same CLIP, without augmentation.
    private func cleanSimilarity(_ images: [Tensor]) throws -> [Float] {
        let model = try TinyCLIP.model()
        let text = try PromptEncoder.encode([prompt], with: model).embeddings
        let batch = CLIPModel.normalize(stack(images))
        return matmul(l2Normalize(model.imageEmbedding(batch)), text, transposeB: true).values
    }

    func testARunRaisesTheSimilarityAndKeepsTheBestImage() throws {
        for parameterization in ["pixels", "pyramid"] {
            var pixelRecipe = try recipe()
            pixelRecipe.parameterization = parameterization
            let painting = try CLIPAG(prompt: prompt, configuration: pixelRecipe, model: try TinyCLIP.model(), seed: 2)
            let start = painting.currentImage
            var reports: [IterationReport] = []
            painting.run {
                reports.append($0); return .proceed
            }
            XCTAssertEqual(reports.count, 12)
            // The augmented views are noisy (colour jitter, cutout); the clean image must improve.
            let clean = try cleanSimilarity([start, painting.currentImage])
            XCTAssertGreaterThan(clean[1], clean[0] + 0.02, "\(parameterization): \(clean)")
            let similarities = reports.map { $0.similarity! }
            // Ranked by the whole-image loss, 1 − mean cosine of the views.
            let globalLosses = similarities.map { 1 - $0 }
            XCTAssertEqual(reports.last!.bestLoss, globalLosses.min()!, accuracy: 1e-5)
            let best = painting.bestImage, current = painting.currentImage
            XCTAssertEqual(best.shape, [3, 64, 64])
            // In range up to the rounding of recomposing a pyramid.
            XCTAssertTrue((best.values + current.values).allSatisfy { (-1e-5...1.00001).contains($0) })
        }
    }

    func testTheSameSeedGivesTheSameImage() throws {
        let shortRecipe = try recipe(iterations: 3)
        let first = try paint(shortRecipe, seed: 9).0.bestImage.values
        XCTAssertEqual(first, try paint(shortRecipe, seed: 9).0.bestImage.values)
        XCTAssertNotEqual(first, try paint(shortRecipe, seed: 10).0.bestImage.values)
    }

    func testTheChunkSizeDoesNotChangeTheResult() throws {
        var oneByOne = try recipe(iterations: 2), allAtOnce = try recipe(iterations: 2)
        oneByOne.viewsPerPass = 1
        allAtOnce.viewsPerPass = 64
        let a = try paint(oneByOne).0.currentImage.values, b = try paint(allAtOnce).0.currentImage.values
        assertClose(a, b.map(Double.init), tolerance: 1e-4, "chunked backward equals one backward")
    }

    func testAStartImageAndTotalVariation() throws {
        var smooth = try recipe(iterations: 3)
        smooth.tvWeight = 0.01
        let start = Tensor(repeating: 0.25, shape: [3, 80, 100])
        let (painting, reports) = try paint(smooth, start: start)
        XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite })
        XCTAssertEqual(painting.currentImage.shape, [3, 64, 64], "the start is resized to the working size")
        XCTAssertGreaterThan(reports[0].loss, 1 - reports[0].similarity! + 0.0, "the TV term adds to the loss")
    }

    func testBadRecipesAreRefusedWithAReason() throws {
        func refusal(_ change: (inout CLIPAG.Configuration) -> Void) throws -> String {
            var bad = try recipe()
            change(&bad)
            do {
                _ = try CLIPAG(prompt: "a cat", configuration: bad, model: try TinyCLIP.model(), seed: 0)
                return ""
            } catch { return String(describing: error) }
        }
        XCTAssertTrue(try refusal { $0.iterations = 0 }.contains("iterations"))
        XCTAssertTrue(try refusal { $0.parameterization = "wavelets" }.contains("parameterization"))
        XCTAssertTrue(try refusal { $0.patchSize = 500 }.contains("patch_size"))
        XCTAssertTrue(
            try refusal {
                $0.globalViews = 0; $0.patches = 0
            }.contains("at least one"))
        XCTAssertTrue(try refusal { $0.size = 8 }.contains("size"))
    }
}
