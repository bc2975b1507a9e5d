import Tensor
import TestSupport
import XCTest

/// Convolution, normalisation, pooling, resizing and grid sampling against PyTorch's outputs
/// (`Tools/fixtures/make_tensor_fixtures.py`).
final class ImageKernelParityTests: XCTestCase {
    /// The script's reimplementation of the generator must agree bit for bit, or every other
    /// comparison here would be between different inputs.
    func testFixtureGeneratorMatchesSwift() {
        let samples = TensorFixtures.shared.generator
        XCTAssertFalse(samples.isEmpty)
        for sample in samples {
            let seed = UInt64(sample.seed)!, index = UInt64(sample.index)!
            XCTAssertEqual(
                SeededGenerator.mix(seed &* 0x9E37_79B9_7F4A_7C15 &+ index &+ 1), UInt64(sample.bits)!, "bits of (\(seed), \(index))")
            XCTAssertEqual(Double(SeededGenerator.counterUniform(seed: seed, index: index)), sample.value, "value of (\(seed), \(index))")
        }
    }

    func testConvolution() {
        forEachConvolutionPath { _ in
            TensorFixtures.check(op: "conv2d") { fixture, inputs in
                conv2d(
                    inputs["x"]!, weight: inputs["weight"]!, bias: inputs["bias"], stride: fixture.pair("stride"),
                    padding: fixture.pair("padding"))
            }
        }
    }

    func testNormalization() {
        TensorFixtures.check(op: "batchNorm") { _, inputs in
            batchNormInference(
                inputs["x"]!, mean: inputs["mean"]!, variance: inputs["variance"]!, weight: inputs["weight"], bias: inputs["bias"])
        }
        TensorFixtures.check(op: "instanceNorm") { _, inputs in
            instanceNorm(inputs["x"]!, weight: inputs["weight"], bias: inputs["bias"])
        }
    }

    func testPooling() {
        TensorFixtures.check(op: "avgPool") { fixture, inputs in
            avgPool2d(inputs["x"]!, kernel: fixture.int("kernel"), stride: fixture.int("stride"), padding: fixture.int("padding"))
        }
        TensorFixtures.check(op: "maxPool") { fixture, inputs in
            maxPool2d(inputs["x"]!, kernel: fixture.int("kernel"), stride: fixture.int("stride"), padding: fixture.int("padding"))
        }
        TensorFixtures.check(op: "adaptiveAvgPool") { fixture, inputs in
            adaptiveAvgPool2d(inputs["x"]!, outputSize: fixture.pair("size"))
        }
        TensorFixtures.check(op: "globalAvgPool") { _, inputs in globalAvgPool2d(inputs["x"]!) }
    }

    func testResize() {
        for (name, mode) in [("nearest", ResizeMode.nearest), ("bilinear", .bilinear), ("bicubic", .bicubic)] {
            TensorFixtures.check(op: "resize", only: ("mode", name)) { fixture, inputs in
                let (height, width) = fixture.pair("size")
                return resize(inputs["x"]!, height: height, width: width, mode: mode, alignCorners: fixture.bool("alignCorners"))
            }
        }
    }

    func testGridSample() {
        TensorFixtures.check(op: "gridSample") { fixture, inputs in
            let padding: GridSamplePadding = fixture.text("padding") == "border" ? .border : .zeros
            return gridSample(inputs["x"]!, grid: inputs["grid"]!, padding: padding, alignCorners: fixture.bool("alignCorners"))
        }
    }
}
