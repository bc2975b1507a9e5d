import Methods
import Tensor
import TestSupport
import XCTest

/// CLIPAG's two kinds of views: shapes, and the gradient reaching the image through both.
final class CLIPAGAugmentationTests: XCTestCase {
    func testCLIPAGViews() {
        var generator = SeededGenerator(seed: 38)
        let augmentation = CLIPAGAugmentation(views: 4, patches: 3)
        let image = testImage([1, 3, 224, 224], seed: 39)
        let global = augmentation.sampleGlobalViews(channels: 3, height: 224, width: 224, generator: &generator)
        XCTAssertEqual(global.noise.shape, [4, 3, 224, 224])
        XCTAssertEqual(augmentation.globalViews(image, global).shape, [4, 3, 224, 224])
        let patches = augmentation.samplePatchViews(channels: 3, height: 224, width: 224, generator: &generator)
        XCTAssertEqual(patches.noise.shape, [1, 3, 224, 224])
        XCTAssertEqual(augmentation.patchViews(image, patches).shape, [3, 3, 224, 224])
        // The gradient reaches the image through both kinds of views.
        image.requiresGrad = true
        (augmentation.globalViews(image, global).sum() + augmentation.patchViews(image, patches).sum()).backward()
        XCTAssertEqual(image.grad?.shape, [1, 3, 224, 224])
    }
}
