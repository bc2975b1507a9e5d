import Foundation
import Models
import Tensor
import TestSupport
import XCTest

/// VGG19's content features against torchvision's `vgg19().features` read out as CLIPstyler's
/// `get_features` reads it, with synthetic weights (`SyntheticWeights`, mirrored by the script).
final class VGG19FeaturesTests: XCTestCase {
    /// torchvision's indices of the convolutions up to conv5_2, with their channels.
    private static let convolutions: [(index: Int, inChannels: Int, outChannels: Int)] = [
        (0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256), (14, 256, 256),
        (16, 256, 256), (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512), (28, 512, 512), (30, 512, 512),
    ]

    private static let file = URL(fileURLWithPath: "/cache/vgg19-dcbb9e9d.pth")

    private static func syntheticTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for layer in convolutions {
            for (leaf, shape) in [("weight", [layer.outChannels, layer.inChannels, 3, 3]), ("bias", [layer.outChannels])] {
                let name = "features.\(layer.index).\(leaf)"
                tensors[name] = SyntheticWeights.tensor(name: name, shape: shape)
            }
        }
        // Layers past conv5_2 and the classifier, as in the real file, are ignored.
        tensors["features.32.weight"] = Tensor(zeros: [512, 512, 3, 3])
        tensors["classifier.0.bias"] = Tensor(zeros: [4096])
        return tensors
    }

    func testFeaturesMatchTheReference() throws {
        let fixture = try StylerFixtures.load("vgg19", as: StylerFixtures.VGG.self, from: Fixtures(Bundle.module))
        let vgg = try VGG19Features(weights: StateDict(tensors: Self.syntheticTensors(), source: Self.file, format: .torchZip))
        let image = ReferenceInput.uniform(fixture.input.name, fixture.input.shape)
        XCTAssertEqual(image.values.reduce(0.0) { $0 + Double($1) }, fixture.input.sum, accuracy: 1e-6, "the input was not rebuilt")
        let features = vgg(image)
        XCTAssertEqual(features.relu4_2.shape, fixture.relu4_2.shape)
        XCTAssertEqual(features.relu5_2.shape, fixture.relu5_2.shape)
        assertMatches(features.relu4_2.values, fixture.relu4_2.values, relative: 1e-5, "VGG19 relu4_2")
        assertMatches(features.relu5_2.values, fixture.relu5_2.values, relative: 1e-5, "VGG19 relu5_2")
    }

    /// The weights are frozen: a content loss back-propagates to the image only.
    func testWeightsAreFrozen() throws {
        let tensors = Self.syntheticTensors()
        let vgg = try VGG19Features(weights: StateDict(tensors: tensors, source: Self.file, format: .torchZip))
        let image = ReferenceInput.uniform("styler.vgg19.frozen", [1, 3, 16, 16])
        image.requiresGrad = true
        let features = vgg(image)
        (features.relu4_2.sum() + features.relu5_2.sum()).backward()
        XCTAssertNotNil(image.grad)
        XCTAssertTrue(tensors.values.allSatisfy { $0.grad == nil && !$0.requiresGrad })
    }

    func testMissingOrMisshapedTensorsAreNamed() {
        var missing = Self.syntheticTensors()
        missing["features.21.bias"] = nil
        XCTAssertThrowsError(try VGG19Features(weights: StateDict(tensors: missing, source: Self.file, format: .torchZip))) { error in
            guard case .missingTensor(let file, let name, _)? = error as? WeightError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, Self.file.path)
            XCTAssertEqual(name, "features.21.bias")
            XCTAssertTrue("\(error)".contains("features.21.bias"))
        }
        var misshaped = Self.syntheticTensors()
        misshaped["features.5.weight"] = Tensor(zeros: [128, 32, 3, 3])
        XCTAssertThrowsError(try VGG19Features(weights: StateDict(tensors: misshaped, source: Self.file, format: .torchZip))) { error in
            XCTAssertEqual(
                error as? WeightError,
                .shapeMismatch(file: Self.file.path, name: "features.5.weight", expected: [128, 64, 3, 3], actual: [128, 32, 3, 3]))
        }
    }
}
