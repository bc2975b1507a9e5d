import Guidance
import Methods
import Tensor
import TestSupport
import XCTest

/// Each CLIPstyler loss term against finite differences, and the rejection rule on its own.
final class StylerLossGradientTests: XCTestCase {
    private let width = 16

    private func embeddings(_ rows: Int, seed: UInt64) -> Tensor { randomTensor([rows, width], seed: seed) }

    func testDirectionalLossGradients() {
        let source = embeddings(1, seed: 2), direction = l2Normalize(embeddings(1, seed: 3))
        checkGradients([embeddings(6, seed: 1)]) {
            directionalLosses(imageEmbeddings: $0[0], sourceImageEmbedding: source, textDirection: direction)
        }
        checkGradients([embeddings(3, seed: 4)]) {
            globalDirectionalLoss(imageEmbeddings: $0[0], sourceImageEmbedding: source, textDirection: direction)
        }
    }

    func testTextDirectionGradients() {
        checkGradients([embeddings(5, seed: 5), embeddings(5, seed: 6)]) { textDirection(style: $0[0], source: $0[1]) }
    }

    /// Patches from against the text direction to along it, so some fall below tau, with losses
    /// well away from tau, so a finite-difference step never moves a patch across it.
    func testPatchLossGradients() {
        let source = embeddings(1, seed: 7), direction = l2Normalize(embeddings(1, seed: 8))
        let noise = embeddings(10, seed: 9).values, anchor = l2Normalize(source).values, along = direction.values
        var values: [Float] = []
        for row in 0..<10 {
            let reach: Float = 0.3 * (Float(row) * 0.5 - 1.5)
            for i in 0..<width { values.append(anchor[i] + reach * along[i] + 0.15 * noise[row * width + i]) }
        }
        let patches = Tensor(shape: [10, width], values: values)
        let losses = directionalLosses(imageEmbeddings: patches, sourceImageEmbedding: source, textDirection: direction).values
        XCTAssertTrue(losses.allSatisfy { abs($0 - patchRejectionThreshold) > 0.02 }, "\(losses)")
        XCTAssertTrue(losses.contains { $0 < patchRejectionThreshold } && losses.contains { $0 >= patchRejectionThreshold }, "\(losses)")
        checkGradients([patches], step: 1e-3) {
            patchDirectionalLoss(patchEmbeddings: $0[0], sourceImageEmbedding: source, textDirection: direction)
        }
    }

    /// Exactly the patches below tau are zeroed (tau itself is kept); the mean divides by every
    /// patch; rejected patches get no gradient and kept ones 1/N.
    func testThresholdRejectionZeroesExactlyThePatchesBelowTau() {
        let losses = Tensor(shape: [6], values: [0.2, 0.69999, 0.7, 0.71, 1.3, 0.0], requiresGrad: true)
        let loss = thresholdRejectedMean(losses, threshold: 0.7)
        XCTAssertEqual(loss.item, (0.7 + 0.71 + 1.3) / 6, accuracy: 1e-6)
        loss.backward()
        XCTAssertEqual(losses.grad!.values, [0, 0, 1.0 / 6, 1.0 / 6, 1.0 / 6, 0])
        let allRejected = thresholdRejectedMean(Tensor(shape: [3], values: [0.1, 0.2, 0.3]))
        XCTAssertEqual(allRejected.item, 0)
    }

    func testContentLossGradients() {
        let targets = [randomTensor([2, 3, 4, 4], seed: 10), randomTensor([2, 5, 2, 2], seed: 11)]
        checkGradients([randomTensor([2, 3, 4, 4], seed: 12), randomTensor([2, 5, 2, 2], seed: 13)]) {
            contentLoss($0, targets: targets)
        }
    }

    func testTotalVariationGradients() {
        checkGradients([randomTensor([2, 3, 6, 5], seed: 14)]) { totalVariation($0[0]) }
        checkGradients([randomTensor([1, 1, 2, 2], seed: 15)]) { totalVariation($0[0]) }
    }

    /// A flat image has no variation and a zero (sub)gradient, as torch.norm gives, not NaN.
    func testTotalVariationOfAFlatImage() {
        let flat = Tensor(repeating: 0.5, shape: [1, 3, 4, 4])
        flat.requiresGrad = true
        let loss = totalVariation(flat)
        XCTAssertEqual(loss.item, 0)
        loss.backward()
        XCTAssertEqual(flat.grad!.values, Array(repeating: 0, count: 48))
    }
}
