import Guidance
import Tensor
import TestSupport
import XCTest

/// Our transforms against torchvision (and the CLIPAG notebook's DiffAugment) for fixed parameters.
final class TorchvisionParityTests: XCTestCase {
    func testPerspectiveCoefficientsMatchTorchvision() throws {
        for testCase in try AugmentationFixtures.load().perspective {
            let ours = testCase.parameters.coefficients
            for (mine, theirs) in zip(ours, testCase.coefficients) {
                // Both round a double-precision solution to float32: equal, or one ulp apart; an
                // exact zero comes out of either solver as double rounding noise (~1e-16).
                XCTAssertEqual(
                    Double(mine), theirs, accuracy: 2 * Double(Float(theirs).ulp) + 1e-12,
                    "\(testCase.name): \(ours) vs \(testCase.coefficients)")
            }
        }
    }

    func testPerspectiveMatchesTorchvision() throws {
        for testCase in try AugmentationFixtures.load().perspective {
            let image = fixtureImage(testCase.input)
            let output = perspective(image, [testCase.parameters], fill: testCase.fill)
            XCTAssertEqual(output.shape, testCase.input.shape, testCase.name)
            let difference = maxAbsDifference(output.values, testCase.output)
            print("perspective \(testCase.name): max |ours − torchvision| = \(difference)")
            XCTAssertLessThan(difference, 1e-5, testCase.name)
        }
    }

    func testResizedCropMatchesTorchvision() throws {
        for testCase in try AugmentationFixtures.load().resizedCrop {
            let image = fixtureImage(testCase.input)
            let box = PixelBox(top: testCase.box[0], left: testCase.box[1], height: testCase.box[2], width: testCase.box[3])
            let mode: ResizeMode = testCase.mode == "bicubic" ? .bicubic : .bilinear
            let output = resizedCrop(image, [box], height: testCase.size[0], width: testCase.size[1], mode: mode)
            XCTAssertEqual(output.shape, [testCase.input.shape[0], testCase.input.shape[1]] + testCase.size, testCase.name)
            let difference = maxAbsDifference(output.values, testCase.output)
            print("resized crop \(testCase.name): max |ours − torchvision| = \(difference)")
            XCTAssertLessThan(difference, 1e-5, testCase.name)
        }
    }

    func testDiffAugmentStepsMatchReference() throws {
        for testCase in try AugmentationFixtures.load().diffAugment {
            let image = fixtureImage(testCase.input)
            let p = testCase.parameters
            let output: Tensor
            switch testCase.name {
            case "color":
                let parameters = (0..<2).map {
                    ColorJitterParameters(brightness: p.brightness![$0], saturation: p.saturation![$0], contrast: p.contrast![$0])
                }
                output = colorJitter(image, parameters)
            case "translation":
                output = translate(image, p.shifts!.map { TranslationParameters(rows: $0[0], columns: $0[1]) })
            case let name where name.hasPrefix("resize"):
                output = rescale(image, [p.ratio!])
            case let name where name.hasPrefix("cutout"):
                // The reference's box for a drawn centre, as RandomCutout.sample builds it.
                let height = image.shape[2], width = image.shape[3]
                let side = (height: Int(Double(height) * 0.5 + 0.5), width: Int(Double(width) * 0.5 + 0.5))
                output = cutout(
                    image,
                    p.centres!.map {
                        PixelBox(top: $0[0] - side.height / 2, left: $0[1] - side.width / 2, height: side.height, width: side.width)
                    })
            default:
                XCTFail("unknown DiffAugment case \(testCase.name)")
                continue
            }
            XCTAssertEqual(output.shape, testCase.input.shape, testCase.name)
            let difference = maxAbsDifference(output.values, testCase.output)
            print("DiffAugment \(testCase.name): max |ours − reference| = \(difference)")
            XCTAssertLessThan(difference, 1e-5, testCase.name)
        }
    }
}
