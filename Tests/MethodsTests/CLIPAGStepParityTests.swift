import Foundation
import Guidance
@_spi(StepParity) import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// CLIPAG step by step against the reference notebook (royg27/CLIPAG, CLIPAG_T2I.ipynb,
/// `generate`), replayed by `Tools/fixtures/make_clipag_step_fixtures.py` in PyTorch (float64) on
/// ViT-B/32 with the deterministic weights both sides generate, 4 global views and 4 patches (the
/// notebook's 32 and 32 only change how many views each mean runs over), 3 steps, every random
/// draw recorded:
/// - the loss terms (global, patch, weighted total) within 1e-4;
/// - the image gradient (every element) within 1e-3;
/// - the update of the image by gradient clipping, AdamW and dynamic thresholding, given that
///   step's reference gradient, within 1e-3 of the largest update (every 7th pixel), and the image;
/// - a run through `step` picks the same best step, and keeps the image evaluated at that step
///   (the preset's documented deviation: the reference keeps the image after that step's update).
final class CLIPAGStepParityTests: XCTestCase {
    private static func recipe(globalViews: Int = 4, patches: Int = 4) throws -> CLIPAG.Configuration {
        var recipe = try Preset.load("clipag", method: "clipag", as: CLIPAG.Configuration.self)
        recipe.iterations = 3
        recipe.globalViews = globalViews
        recipe.patches = patches
        return recipe
    }

    /// The fixture's start image: clamp(1.4 u − 0.2, 0, 1) of the counter-based uniforms.
    private static func startImage(size: Int = 224) -> Tensor {
        let seed = SyntheticWeights.fnv1a64("clipag.step.start")
        let values = (0..<3 * size * size).map { index -> Float in
            min(max(Float(1.4) * SeededGenerator.counterUniform(seed: seed, index: UInt64(index)) - Float(0.2), 0), 1)
        }
        return Tensor(shape: [3, size, size], values: values)
    }

    /// `torch.randn(shape) * 0.01` as the fixture records it: Box-Muller of two counter streams.
    private static func noise(_ name: String, _ shape: [Int]) -> Tensor {
        let first = SyntheticWeights.fnv1a64(name + ".u1"), second = SyntheticWeights.fnv1a64(name + ".u2")
        let values = (0..<shape.reduce(1, *)).map { index -> Float in
            let u1 = Double(SeededGenerator.counterUniform(seed: first, index: UInt64(index)))
            let u2 = Double(SeededGenerator.counterUniform(seed: second, index: UInt64(index)))
            return Float((-2.0 * log(1.0 - u1)).squareRoot() * cos(2.0 * Double.pi * u2) * 0.01)
        }
        return Tensor(shape: shape, values: values)
    }

    /// DiffAugment's draws as the notebook's functions took them (`torch.rand` values u give
    /// brightness u − 0.5, saturation 2u, contrast u + 0.5; cutout offsets are box centres).
    private static func diffAugment(_ values: [String: Any], size: Int) throws -> DiffAugment.Draw {
        func doubles(_ key: String) throws -> [Double] { try XCTUnwrap(values[key] as? [Double], key) }
        func ints(_ key: String) throws -> [Int] { try XCTUnwrap(values[key] as? [Int], key) }
        let color = try zip(zip(doubles("brightness"), doubles("saturation")), doubles("contrast")).map {
            ColorJitterParameters(brightness: Float($0.0 - 0.5), saturation: Float($0.1 * 2), contrast: Float($1 + 0.5))
        }
        let translation = try zip(ints("translation_x"), ints("translation_y")).map { TranslationParameters(rows: $0, columns: $1) }
        let side = Int(Double(size) * 0.5 + 0.5)
        let cutout = try zip(ints("cutout_x"), ints("cutout_y")).map {
            PixelBox(top: $0 - side / 2, left: $1 - side / 2, height: side, width: side)
        }
        let ratio = try XCTUnwrap(values["resize_ratio"] as? Double)
        return DiffAugment.Draw(color: color, translation: translation, rescale: [ratio], cutout: cutout)
    }

    private static func draws(_ fixture: StepFixture, step: Int) throws -> (CLIPAGAugmentation.GlobalDraw, CLIPAGAugmentation.PatchDraw) {
        let steps = try XCTUnwrap(fixture.metadata["draws"] as? [[String: [String: Any]]])
        let views = try XCTUnwrap(fixture.metadata["views"] as? Int)
        let global = CLIPAGAugmentation.GlobalDraw(
            noise: noise("clipag.step\(step).global_noise", [views, 3, 224, 224]),
            diffAugment: try diffAugment(try XCTUnwrap(steps[step]["global"]), size: 224))
        let patchValues = try XCTUnwrap(steps[step]["patches"])
        let boxes = try XCTUnwrap(patchValues["crops"] as? [[Int]]).map { PixelBox(top: $0[0], left: $0[1], height: 128, width: 128) }
        let patches = CLIPAGAugmentation.PatchDraw(
            noise: noise("clipag.step\(step).patch_noise", [1, 3, 224, 224]), boxes: boxes,
            diffAugment: try diffAugment(patchValues, size: 224))
        return (global, patches)
    }

    private static func viTB32() throws -> CLIPModel {
        let architecture = CLIPArchitecture.known["ViT-B/32"]!
        return try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "ViT-B/32")
    }

    private static func painting(_ fixture: StepFixture) throws -> CLIPAG {
        let prompt = try XCTUnwrap(fixture.metadata["prompt"] as? String)
        return try CLIPAG(prompt: prompt, configuration: try recipe(), model: try viTB32(), seed: 1, start: startImage())
    }

    func testStepsMatchTheReference() throws {
        let fixture = try StepFixture("clipag_step")
        let stride = try XCTUnwrap(fixture.metadata["image_stride"] as? Int)
        let painting = try Self.painting(fixture)
        for step in 0..<3 {
            let (global, patches) = try Self.draws(fixture, step: step)
            let image = painting.currentImage
            assertStepParity(
                strided(image.values, stride: stride), fixture.values("image\(step)_subset"), relative: 1e-3,
                "clipag image before step \(step)")
            let cut = Tensor(shape: [1] + image.shape, values: image.values, requiresGrad: true)
            let terms = painting.objective(cut, global: global, patches: patches)
            let expected = fixture.values("losses\(step)")
            assertStepParity([terms.global], [expected[0]], relative: 1e-4, "clipag step \(step) global loss")
            assertStepParity([terms.patch], [expected[1]], relative: 1e-4, "clipag step \(step) patch loss")
            assertStepParity([terms.total], [expected[2]], relative: 1e-4, "clipag step \(step) total loss")
            assertStepParity(
                try XCTUnwrap(cut.grad).values, fixture.values("image_gradient\(step)"), relative: 1e-3,
                "clipag step \(step) image gradient")
            painting.update(imageGradient: try fixture.tensor("image_gradient\(step)").reshaped([1, 3, 224, 224]))
            let after = strided(painting.currentImage.values, stride: stride)
            let update = zip(after, strided(image.values, stride: stride)).map { $0 - $1 }
            let expectedUpdate = zip(fixture.values("image\(step + 1)_subset"), fixture.values("image\(step)_subset")).map { $0 - $1 }
            assertStepParity(update, expectedUpdate, relative: 1e-3, "clipag step \(step) update")
        }
        assertStepParity(
            strided(painting.currentImage.values, stride: stride), fixture.values("image3_subset"), relative: 1e-3,
            "clipag image after step 2")
    }

    /// The whole step, as the CLI runs it (given the draws): the same losses, the same best step,
    /// and the image evaluated at that step kept.
    func testARunPicksTheReferencesBestStep() throws {
        let fixture = try StepFixture("clipag_step")
        let stride = try XCTUnwrap(fixture.metadata["image_stride"] as? Int)
        let painting = try Self.painting(fixture)
        var reports: [IterationReport] = []
        for step in 0..<3 {
            let (global, patches) = try Self.draws(fixture, step: step)
            reports.append(painting.step(global: global, patches: patches))
            assertStepParity([reports[step].loss], [fixture.values("losses\(step)")[2]], relative: 1e-4, "clipag step() \(step) loss")
        }
        let bestStep = try XCTUnwrap(reports.lastIndex { $0.improved })
        XCTAssertEqual(bestStep, try XCTUnwrap(fixture.metadata["best_step"] as? Int), "the step with the lowest global loss")
        assertStepParity(
            strided(painting.bestImage.values, stride: stride), fixture.values("image\(bestStep)_subset"), relative: 1e-3,
            "clipag best image")
    }

    /// `step(global:patches:)` is exactly `objective` on the current image, then `update` with the
    /// gradient gathered there: two runs, one through each, agree bit for bit (small CLIP).
    func testAStepIsTheCompositionOfItsParts() throws {
        var recipe = try Self.recipe(globalViews: 3, patches: 48)
        recipe.size = 64
        recipe.patchSize = 32
        recipe.iterations = 3
        recipe.viewsPerPass = 2
        let start = Self.startImage(size: 64)
        let stepped = try CLIPAG(prompt: "a lighthouse", configuration: recipe, model: try TinyCLIP.model(), seed: 3, start: start)
        let composed = try CLIPAG(prompt: "a lighthouse", configuration: recipe, model: try TinyCLIP.model(), seed: 3, start: start)
        let augmentation = CLIPAGAugmentation(views: 3, patches: 4, patchSize: 32, size: 64)
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<3 {
            let global = augmentation.sampleGlobalViews(channels: 3, height: 64, width: 64, generator: &generator)
            let patches = augmentation.samplePatchViews(channels: 3, height: 64, width: 64, generator: &generator)
            let report = stepped.step(global: global, patches: patches)
            let image = composed.currentImage
            let cut = Tensor(shape: [1] + image.shape, values: image.values, requiresGrad: true)
            let terms = composed.objective(cut, global: global, patches: patches)
            XCTAssertEqual(report.loss, terms.total)
            composed.update(imageGradient: try XCTUnwrap(cut.grad))
            XCTAssertEqual(stepped.currentImage.values, composed.currentImage.values)
        }
    }
}
