import Foundation
import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// CLIPstyler end to end through the library, on a small CLIP with deterministic weights and a
/// small photo.
final class CLIPstylerTests: XCTestCase {
    /// The reference recipe, shrunk to a 64-pixel photo and a few small patches.
    private func recipe(iterations: Int = 12) throws -> CLIPstyler.Configuration {
        var recipe = try Preset.load("clipstyler", method: "clipstyler", as: CLIPstyler.Configuration.self)
        recipe.iterations = iterations
        recipe.size = 64
        recipe.patches = 4
        recipe.patchSize = 32
        recipe.viewsPerPass = 4
        return recipe
    }

    /// A 64x48 photo: colour ramps and a bright square, something with edges to keep.
    static func photo(height: Int = 48, width: Int = 64) -> Tensor {
        var values = [Float](repeating: 0, count: 3 * height * width)
        for y in 0..<height {
            for x in 0..<width {
                let inSquare = (height / 4..<height / 2).contains(y) && (width / 4..<width / 2).contains(x)
                values[y * width + x] = inSquare ? 0.95 : Float(x) / Float(width)
                values[height * width + y * width + x] = inSquare ? 0.9 : Float(y) / Float(height)
                values[2 * height * width + y * width + x] = inSquare ? 0.1 : 0.5
            }
        }
        return Tensor(shape: [3, height, width], values: values)
    }

    private func style(
        _ recipe: CLIPstyler.Configuration, seed: UInt64 = 7, content: ContentNetwork = .clipFeatures, photo: Tensor = photo()
    ) throws -> (CLIPstyler, [IterationReport]) {
        let styler = try CLIPstyler(
            photo: photo, style: "fire", configuration: recipe, model: try TinyCLIP.model(), contentNetwork: content, seed: seed)
        var reports: [IterationReport] = []
        styler.run {
            reports.append($0); return .proceed
        }
        return (styler, reports)
    }

    private func mean(_ values: ArraySlice<Float>) -> Float { values.reduce(0, +) / Float(values.count) }

    func testARunLowersTheLossAndKeepsThePhotosSize() throws {
        var fasterRecipe = try recipe(iterations: 16)
        // The reference rate moves a tiny run too little to see; the recipe is otherwise unchanged.
        fasterRecipe.learningRate = 5e-3
        let (styler, reports) = try style(fasterRecipe)
        XCTAssertEqual(reports.map(\.iteration), Array(1...16))
        let losses = reports.map(\.loss)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        XCTAssertLessThan(mean(losses.suffix(4)), mean(losses.prefix(4)), "loss should fall: \(losses)")
        XCTAssertEqual(reports.last!.bestLoss, losses.min()!)
        XCTAssertTrue(reports.allSatisfy { (-1...1).contains($0.similarity!) })
        XCTAssertEqual(
            Set(reports.flatMap { $0.stages.map(\.stage) }),
            ["unet forward", "content", "total variation", "clip global", "augment", "clip patches", "unet backward+update"])

        XCTAssertEqual(styler.workingSize, WorkingSize(photoHeight: 48, photoWidth: 64, longerSide: 64))
        XCTAssertEqual(styler.bestImage.shape, [3, 48, 64], "the result has the photo's size")
        XCTAssertEqual(styler.bestImage.values, styler.currentImage.values, "the result is the U-Net as training leaves it")
        let pixels = styler.bestImage.values
        XCTAssertEqual(pixels.min()!, 0, accuracy: 1e-6, "the reference's save stretches the range")
        XCTAssertEqual(pixels.max()!, 1, accuracy: 1e-4)
        XCTAssertTrue(styler.contentDescription.contains("CLIP"))
    }

    func testTheSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws {
        let shortRecipe = try recipe(iterations: 3)
        let first = try style(shortRecipe, seed: 3).0.bestImage.values
        XCTAssertEqual(first, try style(shortRecipe, seed: 3).0.bestImage.values)
        XCTAssertNotEqual(first, try style(shortRecipe, seed: 4).0.bestImage.values)
    }

    func testChunkingThePatchesDoesNotChangeTheLoss() throws {
        var oneAtATime = try recipe(iterations: 2)
        oneAtATime.viewsPerPass = 1
        let chunked = try style(try recipe(iterations: 2)).1.map(\.loss)
        let single = try style(oneAtATime).1.map(\.loss)
        for (a, b) in zip(chunked, single) { XCTAssertEqual(a, b, accuracy: 1e-3 * abs(a)) }
    }

    func testVGG19ContentRunsWhenWeightsAreGiven() throws {
        var vggRecipe = try recipe(iterations: 2)
        vggRecipe.size = 32
        vggRecipe.patchSize = 16
        let (styler, reports) = try style(
            vggRecipe, content: .vgg19(VGG19Features.synthetic(seed: 19)), photo: Self.photo(height: 32, width: 32))
        XCTAssertEqual(styler.contentDescription, "VGG19 relu4_2 and relu5_2")
        XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite })
        XCTAssertEqual(styler.bestImage.shape, [3, 32, 32])
    }

    func testBadInputsAreRefusedWithTheSettingNamed() throws {
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return ""
            } catch { return String(describing: error) }
        }
        let model = try TinyCLIP.model()
        let good = try recipe()
        func make(style: String = "fire", photo: Tensor = Self.photo(), _ change: (inout CLIPstyler.Configuration) -> Void = { _ in })
            -> String
        {
            var configuration = good
            change(&configuration)
            return message {
                _ = try CLIPstyler(
                    photo: photo, style: style, configuration: configuration, model: model, contentNetwork: .clipFeatures, seed: 0)
            }
        }
        XCTAssertTrue(make(style: "  ").contains("style text is empty"))
        XCTAssertTrue(make(photo: Tensor(zeros: [1, 8, 8])).contains("RGB"))
        XCTAssertTrue(make { $0.patchSize = 128 }.contains("patch_size 128"))
        XCTAssertTrue(make { $0.iterations = 0 }.contains("iterations"))
        XCTAssertTrue(make { $0.source = "" }.contains("source text is empty"))
        XCTAssertTrue(make { $0.size = 8 }.contains("size"))
        XCTAssertTrue(
            make {
                $0.patches = 0; $0.globalWeight = 0
            }.contains("patches or a global weight"))
    }

    func testTheWorkingSizeKeepsTheAspectRatioInMultiplesOf8() {
        XCTAssertEqual(
            WorkingSize(photoHeight: 750, photoWidth: 1000, longerSide: 512),
            WorkingSize(photoHeight: 384, photoWidth: 512, longerSide: 512))
        let portrait = WorkingSize(photoHeight: 1000, photoWidth: 333, longerSide: 500)
        XCTAssertEqual([portrait.height, portrait.width], [504, 168], "500 is halfway: rounded away from zero")
        XCTAssertEqual(portrait.roundedFrom, 500)
        XCTAssertNil(WorkingSize(photoHeight: 10, photoWidth: 10, longerSide: 64).roundedFrom)
        XCTAssertEqual(WorkingSize(photoHeight: 1, photoWidth: 1000, longerSide: 64).height, 8, "a side is never below 8")
    }

    func testTheFastPresetIsTheReferenceRecipeAtHalfSizeWithFewerPatchesAndSteps() throws {
        let reference = try Preset.load("clipstyler", method: "clipstyler", as: CLIPstyler.Configuration.self)
        XCTAssertEqual([reference.iterations, reference.patches, reference.patchSize, reference.size], [200, 64, 128, 512])
        XCTAssertEqual(
            [reference.patchWeight, reference.globalWeight, reference.contentWeight, reference.tvWeight], [9000, 500, 150, 0.002])
        XCTAssertEqual([reference.learningRate, reference.rejectionThreshold, reference.outputContrast], [5e-4, 0.7, 1.5])
        XCTAssertEqual(reference.source, "a Photo")
        var fast = try Preset.load("clipstyler-fast", method: "clipstyler", as: CLIPstyler.Configuration.self)
        XCTAssertEqual([fast.iterations, fast.patches, fast.learningRateStep, fast.size, fast.patchSize], [100, 8, 50, 256, 64])
        (fast.iterations, fast.patches, fast.learningRateStep) = (reference.iterations, reference.patches, reference.learningRateStep)
        (fast.size, fast.patchSize) = (reference.size, reference.patchSize)
        XCTAssertEqual(fast, reference, "only the size, schedule and patch count differ")
    }
}
