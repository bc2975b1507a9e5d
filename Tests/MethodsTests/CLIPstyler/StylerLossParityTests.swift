import Guidance
import Methods
import Tensor
import TestSupport
import XCTest

/// CLIPstyler's loss terms against the reference's code (see `StylerLossFixtures`), values and
/// input gradients.
final class StylerLossParityTests: XCTestCase {
    private var fixtures: StylerLossFixtures!

    override func setUpWithError() throws {
        fixtures = try StylerLossFixtures.load()
    }

    private func assertClose(_ actual: Float, _ expected: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Double(actual), expected, accuracy: 1e-5 * max(1, abs(expected)), what, file: file, line: line)
    }

    private func assertClose(
        _ actual: Tensor?, _ expected: StylerLossFixtures.Values, _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let actual else { return XCTFail("\(what): no gradient", file: file, line: line) }
        XCTAssertEqual(actual.shape, expected.shape, what, file: file, line: line)
        let scale = max(expected.values.map(abs).max() ?? 0, 1e-6)
        let worst = maxAbsDifference(actual.values, expected.values)
        print("parity \(what): max |diff| \(worst) (relative \(worst / scale))")
        XCTAssertLessThan(worst / scale, 1e-5, "\(what): max |diff| \(worst)", file: file, line: line)
    }

    func testTemplatesAreTheReferenceList() {
        XCTAssertEqual(PromptTemplates.imageNet.count, 79)
        XCTAssertEqual(PromptTemplates.imageNet, fixtures.templates)
        let prompts = PromptTemplates.imageNetPrompts(for: "oil painting of flowers")
        XCTAssertEqual(prompts.count, 79)
        XCTAssertEqual(prompts[0], "a bad photo of a oil painting of flowers.")
        XCTAssertEqual(prompts[34], "a oil painting of flowers in a video game.")
        XCTAssertEqual(PromptTemplates.imageNetPrompts(for: "{x}")[5], "graffiti of a {x}.")
    }

    func testTextDirection() {
        let direction = textDirection(style: fixtures.styleTemplates.tensor, source: fixtures.sourceTemplates.tensor)
        assertClose(direction, fixtures.textDirection, "text direction")
    }

    func testPatchLossWithRejection() {
        let patches = fixtures.patchEmbeddings.tensor
        patches.requiresGrad = true
        let direction = fixtures.textDirection.tensor
        let perPatch = directionalLosses(
            imageEmbeddings: patches, sourceImageEmbedding: fixtures.sourceImage.tensor, textDirection: direction)
        assertClose(perPatch, fixtures.perPatchLosses, "per-patch directional losses")
        let loss = patchDirectionalLoss(
            patchEmbeddings: patches, sourceImageEmbedding: fixtures.sourceImage.tensor, textDirection: direction,
            threshold: fixtures.threshold)
        assertClose(loss.item, fixtures.patchLoss, "patch loss")
        loss.backward()
        assertClose(patches.grad, fixtures.patchGradient, "patch loss gradient")
    }

    func testGlobalDirectionalLoss() {
        let view = fixtures.globalEmbedding.tensor
        view.requiresGrad = true
        let loss = globalDirectionalLoss(
            imageEmbeddings: view, sourceImageEmbedding: fixtures.sourceImage.tensor, textDirection: fixtures.textDirection.tensor)
        assertClose(loss.item, fixtures.globalLoss, "global loss")
        loss.backward()
        assertClose(view.grad, fixtures.globalGradient, "global loss gradient")
    }

    func testContentLoss() {
        let features = fixtures.contentFeatures.map(\.tensor)
        for feature in features { feature.requiresGrad = true }
        let loss = contentLoss(features, targets: fixtures.contentTargets.map(\.tensor))
        assertClose(loss.item, fixtures.contentLoss, "content loss")
        loss.backward()
        for (index, feature) in features.enumerated() {
            assertClose(feature.grad, fixtures.contentGradients[index], "content loss gradient \(index)")
        }
    }

    func testTotalVariation() {
        let image = fixtures.tvImage.tensor
        image.requiresGrad = true
        let loss = totalVariation(image)
        assertClose(loss.item, fixtures.tvLoss, "total variation")
        loss.backward()
        assertClose(image.grad, fixtures.tvGradient, "total variation gradient")
    }
}
