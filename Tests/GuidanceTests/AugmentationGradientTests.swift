import Guidance
import Tensor
import TestSupport
import XCTest

/// Every augmentation's gradient with respect to the input image, against finite differences.
final class AugmentationGradientTests: XCTestCase {
    let warp = PerspectiveParameters(
        start: .of(height: 9, width: 11),
        end: Corners(
            topLeft: PixelPoint(x: 2, y: 1), topRight: PixelPoint(x: 9, y: 0), bottomRight: PixelPoint(x: 10, y: 7),
            bottomLeft: PixelPoint(x: 1, y: 8)))
    let otherWarp = PerspectiveParameters(
        start: .of(height: 9, width: 11),
        end: Corners(
            topLeft: PixelPoint(x: 0, y: 2), topRight: PixelPoint(x: 8, y: 1), bottomRight: PixelPoint(x: 9, y: 8),
            bottomLeft: PixelPoint(x: 2, y: 6)))

    func testPerspective() {
        for fill in [nil, [0], [1], [0.3, 0.6, 0.9]] as [[Float]?] {
            checkGradient(of: testImage([1, 3, 9, 11], seed: 2)) { perspective($0, [self.warp], fill: fill) }
        }
        // One image, two draws: the copies' gradients sum.
        checkGradient(of: testImage([1, 3, 9, 11], seed: 3)) { perspective($0, [self.warp, self.otherWarp], fill: [1]) }
        // Two images, one shared draw.
        checkGradient(of: testImage([2, 3, 9, 11], seed: 4)) { perspective($0, [self.warp], fill: [0]) }
    }

    func testResizedCrop() {
        let boxes = [PixelBox(top: 1, left: 2, height: 7, width: 8), PixelBox(top: 0, left: 0, height: 4, width: 5)]
        for mode in [ResizeMode.bilinear, .bicubic] {
            checkGradient(of: testImage([1, 3, 9, 11], seed: 5)) { resizedCrop($0, boxes, height: 6, width: 7, mode: mode) }
            checkGradient(of: testImage([2, 3, 9, 11], seed: 6)) { resizedCrop($0, boxes, height: 10, width: 12, mode: mode) }
        }
    }

    func testCropReachingOutsideTheImage() {
        let boxes = [PixelBox(top: -2, left: 5, height: 6, width: 8), PixelBox(top: 4, left: -3, height: 6, width: 8)]
        checkGradient(of: testImage([1, 3, 9, 11], seed: 7)) { crop($0, boxes) }
    }

    func testColorJitter() {
        let parameters = [
            ColorJitterParameters(brightness: 0.3, saturation: 1.7, contrast: 0.6),
            ColorJitterParameters(brightness: -0.2, saturation: 0.1, contrast: 1.4),
        ]
        checkGradient(of: testImage([2, 3, 9, 11], seed: 8)) { colorJitter($0, parameters) }
        checkGradient(of: testImage([1, 3, 9, 11], seed: 9)) { colorJitter($0, parameters) }
    }

    func testTranslationRescaleCutout() {
        let image = testImage([2, 3, 9, 11], seed: 10)
        checkGradient(of: image) {
            translate($0, [TranslationParameters(rows: 2, columns: -1), TranslationParameters(rows: -1, columns: 3)])
        }
        checkGradient(of: image) { rescale($0, [0.8, 1.2]) }
        checkGradient(of: image) { rescale($0, [0.93]) }
        checkGradient(of: image) {
            cutout($0, [PixelBox(top: -1, left: 3, height: 5, width: 6), PixelBox(top: 4, left: 8, height: 5, width: 6)])
        }
    }

    func testNoiseAndNormalisation() {
        var generator = SeededGenerator(seed: 11)
        let noise = GaussianNoise(standardDeviation: 0.01).sample(shape: [2, 3, 9, 11], generator: &generator)
        checkGradient(of: testImage([1, 3, 9, 11], seed: 12)) { GaussianNoise().apply($0, noise) }
        checkGradient(of: testImage([2, 3, 9, 11], seed: 13)) { CLIPNormalization.openAI($0) }
    }

    func testPipelines() {
        var generator = SeededGenerator(seed: 14)
        let clipDraw = PerspectiveCropAugmentation.clipDraw(copies: 3, size: 7)
        let draw = clipDraw.sample(imageHeight: 9, imageWidth: 11, generator: &generator)
        checkGradient(of: testImage([1, 3, 9, 11], seed: 15)) { clipDraw.apply($0, draw) }

        let diffAugment = DiffAugment()
        let diffDraw = diffAugment.sample(count: 3, height: 9, width: 11, generator: &generator)
        checkGradient(of: testImage([1, 3, 9, 11], seed: 16)) { diffAugment.apply($0, diffDraw) }
    }
}
