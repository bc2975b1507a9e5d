import Guidance
import Tensor
import TestSupport
import XCTest

/// The method recipes: shapes, shared draws, determinism.
final class PipelineTests: XCTestCase {
    func testCLIPDrawMakesKCopiesOfOneRender() {
        var generator = SeededGenerator(seed: 31)
        let render = testImage([1, 3, 224, 224], seed: 32)
        let augmentation = PerspectiveCropAugmentation.clipDraw(copies: 4)
        let batch = augmentation(render, generator: &generator)
        XCTAssertEqual(batch.shape, [4, 3, 224, 224])
        // A white canvas stays white under the white fill, except along the warped border where
        // torchvision's blend fades twice: m · m + (1 − m) with the warped mask m, at least 0.75.
        let plain = PerspectiveCropAugmentation.clipDraw(copies: 2, normalization: nil)
        let copies = plain(Tensor(repeating: 1, shape: [1, 3, 224, 224]), generator: &generator).values
        XCTAssertGreaterThanOrEqual(copies.min()!, 0.75 - 1e-6)
        XCTAssertLessThanOrEqual(copies.max()!, 1 + 1e-6)
        XCTAssertGreaterThan(Double(copies.filter { abs($0 - 1) < 1e-5 }.count) / Double(copies.count), 0.95)
    }

    func testCLIPassoAppliesTheSameDrawToSketchAndTarget() {
        var generator = SeededGenerator(seed: 33)
        let augmentation = PerspectiveCropAugmentation.clipasso(copies: 4, normalization: nil)
        let sketch = testImage([1, 3, 64, 64], seed: 34)
        let draw = augmentation.sample(imageHeight: 64, imageWidth: 64, generator: &generator)
        XCTAssert(draw.crops.allSatisfy { $0.height == 57 && $0.width == 57 })
        let alone = augmentation.apply(sketch, draw)
        let pair = augmentation.apply(concat([sketch, testImage([1, 3, 64, 64], seed: 35)], axis: 0), draw)
        XCTAssertEqual(alone.shape, [4, 3, 224, 224])
        XCTAssertEqual(pair.shape, [8, 3, 224, 224])
        XCTAssertEqual(pair.slice(axis: 0, start: 0, length: 4).values, alone.values)
    }

    func testResizeShorterSideKeepsTheAspectRatio() {
        // torchvision's Resize(6): the shorter side becomes 6, the longer int(6 · 11 / 9) = 7.
        XCTAssertEqual(resizeShorterSide(testImage([1, 3, 9, 11], seed: 41), to: 6).shape, [1, 3, 6, 7])
        XCTAssertEqual(resizeShorterSide(testImage([2, 3, 11, 9], seed: 42), to: 6, mode: .bicubic).shape, [2, 3, 7, 6])
        XCTAssertEqual(resizeShorterSide(testImage([1, 3, 128, 128], seed: 43), to: 224).shape, [1, 3, 224, 224])
    }

    func testSameSeedSameViews() {
        let image = testImage([1, 3, 96, 96], seed: 40)
        func views(_ seed: UInt64) -> [Float] {
            var generator = SeededGenerator(seed: seed)
            return PerspectiveCropAugmentation.clipDraw(copies: 2, size: 64)(image, generator: &generator).values
        }
        XCTAssertEqual(views(5), views(5))
        XCTAssertNotEqual(views(5), views(6))
    }
}
