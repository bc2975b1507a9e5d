import Methods
import Tensor
import TestSupport
import XCTest

/// CLIPstyler's patch views: their shapes, their gradient against finite differences, and their
/// determinism.
final class CLIPstylerPatchAugmentationTests: XCTestCase {
    func testCLIPstylerPatches() {
        var generator = SeededGenerator(seed: 36)
        let augmentation = CLIPstylerPatchAugmentation(patches: 8)
        let output = testImage([1, 3, 256, 256], seed: 37)
        let draw = augmentation.sample(imageHeight: 256, imageWidth: 256, generator: &generator)
        XCTAssert(draw.boxes.allSatisfy { $0.height == 128 && $0.width == 128 && $0.top + 128 <= 256 && $0.left + 128 <= 256 })
        XCTAssertEqual(augmentation.apply(output, draw).shape, [8, 3, 224, 224])
    }

    func testGradient() {
        var generator = SeededGenerator(seed: 14)
        let styler = CLIPstylerPatchAugmentation(patches: 3, patchSize: 6, size: 8)
        let stylerDraw = styler.sample(imageHeight: 9, imageWidth: 11, generator: &generator)
        checkGradient(of: testImage([1, 3, 9, 11], seed: 17)) { styler.apply($0, stylerDraw) }
    }

    func testSameSeedSameParameters() {
        func draw(_ seed: UInt64) -> CLIPstylerPatchAugmentation.Draw {
            var generator = SeededGenerator(seed: seed)
            return CLIPstylerPatchAugmentation().sample(imageHeight: 512, imageWidth: 512, generator: &generator)
        }
        XCTAssertEqual(draw(7), draw(7))
    }
}
