import Foundation
import Methods
import XCTest

final class PresetTests: XCTestCase {
    func testBuiltInCLIPDrawPresetHoldsTheReferenceRecipe() throws {
        let recipe = try Preset.load("clipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        XCTAssertEqual(recipe.paths, 256)
        XCTAssertEqual(recipe.minSegments...recipe.maxSegments, 1...3)
        XCTAssertEqual(recipe.iterations, 1000)
        XCTAssertEqual(recipe.augmentations, 4)
        XCTAssertEqual(recipe.model, "ViT-B/32")
        // Radii 1 and [1, 50] in the reference are full widths 2 and [2, 100] here.
        XCTAssertEqual(recipe.initialWidth, 2)
        XCTAssertEqual(recipe.minWidth, 2)
        XCTAssertEqual(recipe.maxWidth, 100)
        XCTAssertEqual([recipe.pointLearningRate, recipe.widthLearningRate, recipe.colorLearningRate], [1.0, 0.2, 0.01])
        XCTAssertEqual(recipe.pointSchedule, [.init(fraction: 0.5, factor: 0.4), .init(fraction: 0.75, factor: 0.1)])
        XCTAssertNoThrow(try recipe.validate())
    }

    func testCLIPAGDrawIsTheCLIPDrawRecipeWithTheRobustWeights() throws {
        var robust = try Preset.load("clipag-draw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        XCTAssertTrue(robust.model.contains("CLIPAG_ViTB32.pt"))
        robust.model = "ViT-B/32"
        XCTAssertEqual(robust, try Preset.load("clipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self))
    }

    func testBuiltInCLIPAGPresetHoldsTheReferenceRecipe() throws {
        let recipe = try Preset.load("clipag", method: "clipag", as: CLIPAG.Configuration.self)
        XCTAssertEqual(recipe.iterations, 100)
        XCTAssertEqual(recipe.learningRate, 0.0175)
        XCTAssertEqual(recipe.gradientClip, 0.001)
        XCTAssertEqual(recipe.thresholdQuantile, 0.95)
        XCTAssertEqual([recipe.globalViews, recipe.patches, recipe.patchSize], [32, 32, 128])
        XCTAssertEqual([recipe.globalWeight, recipe.patchWeight, recipe.noise], [1, 5, 0.01])
        XCTAssertNoThrow(try recipe.validate())
        XCTAssertThrowsError(
            try Preset.load("clipag", method: "clipdraw", as: CLIPDraw.Configuration.self), "a clipag preset is not a draw recipe")
    }

    func testAUserFileOverridesOnlyTheFieldsItSets() throws {
        let file = try temporaryFile(##"{"paths": 64, "palette": ["#000", "#fff"]}"##)
        let recipe = try Preset.load(file, method: "clipdraw", as: CLIPDraw.Configuration.self)
        XCTAssertEqual(recipe.paths, 64)
        XCTAssertEqual(recipe.palette, ["#000", "#fff"])
        XCTAssertEqual(recipe.iterations, 1000, "fields the file does not set keep the default preset's values")
    }

    func testMistakesInPresetsAreNamed() throws {
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return ""
            } catch { return String(describing: error) }
        }
        let typo = try temporaryFile(#"{"pathz": 64}"#)
        XCTAssertTrue(
            message { _ = try Preset.load(typo, method: "clipdraw", as: CLIPDraw.Configuration.self) }.contains("unknown setting \"pathz\"")
        )
        let wrongType = try temporaryFile(#"{"paths": "many"}"#)
        XCTAssertTrue(message { _ = try Preset.load(wrongType, method: "clipdraw", as: CLIPDraw.Configuration.self) }.contains("paths"))
        let otherMethod = try temporaryFile(#"{"method": "clipasso"}"#)
        XCTAssertTrue(
            message { _ = try Preset.load(otherMethod, method: "clipdraw", as: CLIPDraw.Configuration.self) }.contains("for clipasso"))
        XCTAssertTrue(
            message { _ = try Preset.load("no-such-preset", method: "clipdraw", as: CLIPDraw.Configuration.self) }.contains(
                "unknown preset"))
        let notJSON = try temporaryFile("paths = 3")
        XCTAssertTrue(
            message { _ = try Preset.load(notJSON, method: "clipdraw", as: CLIPDraw.Configuration.self) }.contains("not a JSON object"))
    }

    private func temporaryFile(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("preset-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
