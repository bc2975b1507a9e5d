import Guidance
import Tensor
import TestSupport
import XCTest

/// Identity parameters leave images unchanged (within 1e-5 where they go through a resampler).
final class IdentityTests: XCTestCase {
    let image = testImage([2, 3, 9, 11], seed: 1)

    func testIdentityPerspectiveReturnsTheImage() {
        let identity = PerspectiveParameters.identity(height: 9, width: 11)
        XCTAssertEqual(identity.coefficients, [1, 0, 0, 0, 1, 0, 0, 0])
        for fill in [nil, [0], [1], [0.2, 0.4, 0.6]] as [[Float]?] {
            XCTAssertEqual(perspective(image, [identity], fill: fill).values, image.values)
        }
    }

    func testIdentityCoefficientsThroughTheGridReproduceTheImage() {
        // Beside a real warp the identity goes through grid_sample; it must still land on the pixels.
        let warp = PerspectiveParameters(
            start: .of(height: 9, width: 11),
            end: Corners(
                topLeft: PixelPoint(x: 1, y: 1), topRight: PixelPoint(x: 9, y: 0), bottomRight: PixelPoint(x: 10, y: 8),
                bottomLeft: PixelPoint(x: 0, y: 7)))
        for fill in [nil, [0], [1]] as [[Float]?] {
            let output = perspective(image, [.identity(height: 9, width: 11), warp], fill: fill)
            let first = output.slice(axis: 0, start: 0, length: 1).values
            XCTAssertLessThan(maxAbsDifference(first, image.slice(axis: 0, start: 0, length: 1).values), 1e-5)
        }
    }

    func testFullCropAtTheSameSizeReturnsTheImage() {
        let full = PixelBox.full(height: 9, width: 11)
        XCTAssertEqual(resizedCrop(image, [full], height: 9, width: 11).values, image.values)
        XCTAssertEqual(crop(image, [full]).values, image.values)
        XCTAssertEqual(resizeShorterSide(image, to: 9).values, image.values)
    }

    func testIdentityColourTranslationRescaleCutoutNoiseNormalisation() {
        XCTAssertEqual(colorJitter(image, [.identity]).values, image.values)
        // Mixed with a real draw, the identity image goes through the arithmetic.
        let mixed = colorJitter(image, [.identity, ColorJitterParameters(brightness: 0.2, saturation: 1.5, contrast: 0.7)])
        XCTAssertLessThan(
            maxAbsDifference(mixed.slice(axis: 0, start: 0, length: 1).values, image.slice(axis: 0, start: 0, length: 1).values), 1e-5)
        XCTAssertEqual(translate(image, [.identity]).values, image.values)
        XCTAssertEqual(rescale(image, [1.0]).values, image.values)
        XCTAssertEqual(cutout(image, [PixelBox(top: 3, left: 4, height: 0, width: 0)]).values, image.values)
        XCTAssertEqual(GaussianNoise().apply(image, Tensor(zeros: [1, 3, 9, 11])).values, image.values)
        let unit = CLIPNormalization(mean: [0, 0, 0], std: [1, 1, 1])
        XCTAssertEqual(unit(image).values, image.values)
    }

    func testSharedImageBroadcastsAgainstDraws() {
        let one = image.slice(axis: 0, start: 0, length: 1)
        XCTAssertEqual(
            perspective(one, [.identity(height: 9, width: 11), .identity(height: 9, width: 11)], fill: [1]).shape, [2, 3, 9, 11])
        XCTAssertEqual(colorJitter(one, [.identity, .identity, .identity]).shape, [3, 3, 9, 11])
        XCTAssertEqual(cutout(one, Array(repeating: PixelBox(top: 0, left: 0, height: 2, width: 2), count: 4)).shape, [4, 3, 9, 11])
        XCTAssertEqual(translate(one, [.identity, TranslationParameters(rows: 1, columns: 0)]).shape, [2, 3, 9, 11])
    }
}
