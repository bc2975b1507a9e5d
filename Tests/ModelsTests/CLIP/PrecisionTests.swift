import Models
import Output
import Tensor
import TestSupport
import XCTest

/// `--precision int8` and `bf16` against float32: the input gradient of a CLIP image-embedding
/// loss (what every method follows) must point the same way, on the parity weights with the
/// parity inputs and with the sample photos. The cosines are printed for the README.
final class PrecisionTests: XCTestCase {
    private var bfloat16: [CLIPPrecision] { ReducedPrecisionRuntime.hasNativeBFloat16 ? [.bf16] : [] }

    /// The parity inputs (two uniform-noise images) and three sample photos, as CLIP sees them.
    private func inputs() throws -> [(name: String, images: Tensor)] {
        let photos = try ["photos/chelsea.png", "photos/horse.png", "photos/coffee-progressive.jpg"].map {
            ImagePreprocessing.resizeAndCenterCrop(try ImageFile.load(TestFiles.sample($0)).tensor, resolution: 224).reshaped([
                1, 3, 224, 224,
            ])
        }
        return [("parity inputs", ReferenceInput.uniform("parity.images", [2, 3, 224, 224])), ("sample photos", concat(photos, axis: 0))]
    }

    /// d/d images of Σ_b cos(embedding_b, direction), flattened.
    private func inputGradient(_ model: CLIPModel, _ images: Tensor, direction: Tensor) -> [Float] {
        let input = images.copy()
        input.requiresGrad = true
        (l2Normalize(model.imageEmbedding(CLIPModel.normalize(input))) * direction).sum().backward()
        return input.grad!.values
    }

    private func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            aa += Double(x) * Double(x)
            bb += Double(y) * Double(y)
        }
        return dot / (aa * bb).squareRoot()
    }

    private func checkGradients(_ name: String, _ reducedPrecisions: [CLIPPrecision]) throws {
        let architecture = CLIPArchitecture.known[name]!
        let model = try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: name)
        model.releaseTextTower()
        var generator = SeededGenerator(seed: 17)
        let direction = l2Normalize(Tensor.uniform([1, architecture.embedDimension], -1, 1, generator: &generator))
        for (label, images) in try inputs() {
            try model.use(.fp32)
            let exact = inputGradient(model, images, direction: direction)
            for precision in reducedPrecisions {
                try model.use(precision)
                let similarity = cosine(inputGradient(model, images, direction: direction), exact)
                print(String(format: "%@ %@ input-gradient cosine vs fp32, %@: %.5f", name, precision.rawValue, label, similarity))
                XCTAssertGreaterThanOrEqual(similarity, 0.99, "\(name) \(precision.rawValue) on the \(label)")
            }
        }
    }

    func testViTB32GradientsFollowFloat32() throws { try checkGradients("ViT-B/32", [.int8] + bfloat16) }

    /// RN101 under int8 runs float32 throughout (see `ModifiedResNet.use`): the same embedding,
    /// bit for bit. bf16 covers its convolutions (the input gradient; forwards without a gradient,
    /// as a target photo's) and its attention pool.
    func testRN101GradientsFollowFloat32() throws {
        let architecture = CLIPArchitecture.known["RN101"]!
        let model = try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "RN101")
        let images = CLIPModel.normalize(ReferenceInput.uniform("parity.images", [1, 3, 224, 224]))
        let exact = model.imageEmbedding(images).values
        try model.use(.int8)
        XCTAssertEqual(model.imageEmbedding(images).values, exact)
        try checkGradients("RN101", bfloat16)
    }

    /// A target's embedding (no gradient, so bf16 convolutions forward too) points where
    /// float32's does.
    func testRN101TargetEmbeddingFollowsFloat32() throws {
        try XCTSkipUnless(ReducedPrecisionRuntime.hasNativeBFloat16, "this CPU has no bf16 instructions")
        let architecture = CLIPArchitecture.known["RN101"]!
        let model = try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "RN101")
        for (label, images) in try inputs() {
            let normalized = CLIPModel.normalize(images)
            try model.use(.fp32)
            let exact = model.imageEmbedding(normalized)
            try model.use(.bf16)
            let reduced = model.imageEmbedding(normalized)
            let count = exact.shape[1]
            for image in 0..<exact.shape[0] {
                let range = image * count..<(image + 1) * count
                let similarity = cosine(Array(reduced.values[range]), Array(exact.values[range]))
                print(String(format: "RN101 bf16 embedding cosine vs fp32, %@ %d: %.6f", label, image, similarity))
                XCTAssertGreaterThanOrEqual(similarity, 0.999, "\(label) \(image)")
            }
        }
    }

    /// Precision is a switch: back to fp32, the model gives float32's result bit for bit.
    func testSwitchingBackToFloat32IsExact() throws {
        let model = try TinyCLIP.model()
        let images = CLIPModel.normalize(ReferenceInput.uniform("parity.images", [2, 3, 64, 64]))
        let exact = model.imageEmbedding(images).values
        try model.use(.int8)
        XCTAssertEqual(model.precision, .int8)
        XCTAssertNotEqual(model.imageEmbedding(images).values, exact, "int8 rounds")
        try model.use(.fp32)
        XCTAssertEqual(model.imageEmbedding(images).values, exact)
    }
}
