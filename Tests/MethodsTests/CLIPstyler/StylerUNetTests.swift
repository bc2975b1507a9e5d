import Foundation
import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// The CLIPstyler U-Net against the reference's StyleNet.UNet (PyTorch, float64), both built
/// from the same seeded default initialisation, and its weight loading.
final class StylerUNetTests: XCTestCase {
    private func referenceInput(_ fixture: StylerFixtures.UNet) -> Tensor {
        let input = ReferenceInput.uniform(fixture.input.name, fixture.input.shape)
        XCTAssertEqual(input.values.reduce(0.0) { $0 + Double($1) }, fixture.input.sum, accuracy: 1e-6, "the input was not rebuilt")
        return input
    }

    /// Same names, shapes and order as the reference's `named_parameters()`: state dicts map key
    /// for key, and the seeded initialisation draws in the same order as the script's.
    func testParametersFollowTheReference() throws {
        let fixture = try StylerFixtures.load("unet", as: StylerFixtures.UNet.self, from: Fixtures(Bundle.module))
        let network = StylerUNet(seed: fixture.seed)
        XCTAssertEqual(network.namedParameters.map(\.name), fixture.parameters.map(\.name))
        XCTAssertEqual(network.namedParameters.map(\.tensor.shape), fixture.parameters.map(\.shape))
        XCTAssertEqual(network.parameters.reduce(0) { $0 + $1.count }, 615_267)
        XCTAssertTrue(network.parameters.allSatisfy(\.requiresGrad))
    }

    func testForwardAndGradientsMatchTheReference() throws {
        let fixture = try StylerFixtures.load("unet", as: StylerFixtures.UNet.self, from: Fixtures(Bundle.module))
        let network = StylerUNet(seed: fixture.seed)
        let output = network(referenceInput(fixture))
        XCTAssertEqual(output.shape, fixture.output.shape)
        assertMatches(output.values, fixture.output.values, relative: 1e-5, "U-Net output")

        let loss = square(output - 0.5).mean()
        XCTAssertEqual(Double(loss.item), fixture.loss, accuracy: 1e-6 * fixture.loss)
        loss.backward()
        let parameters = Dictionary(uniqueKeysWithValues: network.namedParameters.map { ($0.name, $0.tensor) })
        for (name, expected) in fixture.gradients.sorted(by: { $0.key < $1.key }) {
            let gradient = try XCTUnwrap(parameters[name]?.grad, "no gradient for \(name)")
            assertMatches(gradient.values, expected, relative: 1e-4, "gradient of \(name)")
        }
    }

    /// PyTorch's default bound, 1/√fan-in, for weights and biases alike; a seed fixes every value.
    func testSeededInitialisation() {
        let network = StylerUNet(seed: 7)
        for (name, tensor) in network.namedParameters {
            let owner = network.namedParameters.first { $0.name == name.replacing(".bias", with: ".weight") }!.tensor
            let bound = 1 / Float(owner.shape.dropFirst().reduce(1, *)).squareRoot()
            XCTAssertLessThanOrEqual(tensor.values.map(abs).max()!, bound, name)
        }
        XCTAssertEqual(StylerUNet(seed: 7).parameters.map(\.values), network.parameters.map(\.values))
        XCTAssertNotEqual(StylerUNet(seed: 8).parameters[0].values, network.parameters[0].values)
    }

    /// Any multiple of 8, square or not; values strictly inside (0, 1).
    func testOutputShapeAndRange() {
        let network = StylerUNet(seed: 1)
        let photo = ReferenceInput.uniform("styler.unet.wide", [2, 3, 16, 24])
        let output = network(photo)
        XCTAssertEqual(output.shape, [2, 3, 16, 24])
        XCTAssertTrue(output.values.allSatisfy { $0 > 0 && $0 < 1 })
    }

    /// A state dict under the reference's names rebuilds the same network; the loaded tensors are
    /// copies, so training the network leaves the state dict as it was.
    func testStateDictRoundTrip() throws {
        let original = StylerUNet(seed: 3)
        let tensors = Dictionary(uniqueKeysWithValues: original.namedParameters.map { ($0.name, $0.tensor.copy()) })
        let stateDict = StateDict(tensors: tensors, source: URL(fileURLWithPath: "/weights/style_net.pth"), format: .torchZip)
        let loaded = try StylerUNet(weights: stateDict)
        XCTAssertTrue(loaded.parameters.allSatisfy(\.requiresGrad))
        let photo = ReferenceInput.uniform("styler.unet.roundtrip", [1, 3, 8, 8])
        XCTAssertEqual(loaded(photo).values, original(photo).values)
        loaded.parameters[0].assign(Array(repeating: 0, count: loaded.parameters[0].count))
        XCTAssertEqual(stateDict.tensors["conv_init.weight"]!.values, original.parameters[0].values)
    }

    func testStateDictErrorsNameTheTensor() {
        let tensors = Dictionary(uniqueKeysWithValues: StylerUNet(seed: 3).namedParameters.map { ($0.name, $0.tensor) })
        let file = URL(fileURLWithPath: "/weights/style_net.pth")
        var missing = tensors
        missing["up2.conv.3.weight"] = nil
        XCTAssertThrowsError(try StylerUNet(weights: StateDict(tensors: missing, source: file, format: .torchZip))) { error in
            guard case .missingTensor(_, let name, let similar)? = error as? WeightError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "up2.conv.3.weight")
            XCTAssertTrue(similar.contains("up2.conv.3.bias"), "\(similar)")
        }
        var misshaped = tensors
        misshaped["down2.downsample.weight"] = Tensor(zeros: [32, 32, 3, 3])
        XCTAssertThrowsError(try StylerUNet(weights: StateDict(tensors: misshaped, source: file, format: .torchZip))) { error in
            XCTAssertEqual(
                error as? WeightError,
                .shapeMismatch(file: file.path, name: "down2.downsample.weight", expected: [32, 32, 4, 4], actual: [32, 32, 3, 3]))
        }
    }
}
