import Models
import Tensor
import XCTest

/// `resizeAndCenterCrop` computes only the crop of the resize; PreprocessingTests checks it
/// against PIL, this checks the window against resizing everything and cropping afterwards on
/// the thin shapes where the two differ most in cost.
final class CenterCropWindowTests: XCTestCase {
    func testCropOfTheResizeEqualsResizingEverything() {
        for (height, width) in [(3, 50), (50, 3), (1, 40), (37, 23), (16, 16)] {
            let count = 3 * height * width
            let image = Tensor(shape: [3, height, width], values: (0..<count).map { Float(($0 * 7919) % 256) / 255 })
            let resolution = 8
            let newHeight = height <= width ? resolution : Int(Double(resolution) * Double(height) / Double(width))
            let newWidth = width <= height ? resolution : Int(Double(resolution) * Double(width) / Double(height))
            let everything = ImagePreprocessing.resizeAntialiased(image, height: newHeight, width: newWidth)
            let top = Int((Double(newHeight - resolution) / 2).rounded(.toNearestOrEven))
            let left = Int((Double(newWidth - resolution) / 2).rounded(.toNearestOrEven))
            let expected = everything.slice(axis: 1, start: top, length: resolution)
                .slice(axis: 2, start: left, length: resolution)
            let window = ImagePreprocessing.resizeAndCenterCrop(image, resolution: resolution)
            XCTAssertEqual(window.shape, [3, resolution, resolution])
            XCTAssertEqual(window.values, expected.values, "\(height) x \(width)")
        }
    }
}
