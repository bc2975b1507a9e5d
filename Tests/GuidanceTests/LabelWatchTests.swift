import Foundation
import Guidance
import Models
import Tensor
import TestSupport
import XCTest

/// `LabelWatch` against the model's own towers, computed here step by step: the labels go
/// through the text tower as the template says (at CLIP's full 77-token context, which the
/// watch's shortened run must match up to rounding), and a picture's ranking is by cosine, its probabilities
/// the softmax of the cosines at CLIP's logit scale.
final class LabelWatchTests: XCTestCase {
    private let labels = ["cat", "dog", "lighthouse", "red bicycle", "moon", "tree", "boat"]

    /// Unit text embeddings of `texts`, one at a time, the text tower on all 77 positions.
    private func fullContextEmbeddings(_ texts: [String], model: CLIPModel) throws -> [[Float]] {
        let tokenizer = try CLIPTokenizer.standard()
        return texts.map { text in
            let tokens = tokenizer.tokenize(text, contextLength: 77)
            let row = model.encodeText(tokens: [tokens.ids], endIndices: [tokens.endIndex]).values
            let norm = sqrt(row.reduce(0) { $0 + $1 * $1 })
            return row.map { $0 / norm }
        }
    }

    func testLabelsAreTheTemplatedTextEmbeddingsAndPicturesRankByCosine() throws {
        let model = try TinyCLIP.model()
        let watch = try LabelWatch(labels: labels, template: "a drawing of a {}", prompt: "a lighthouse at dusk", model: model)
        let expected = try fullContextEmbeddings(labels.map { "a drawing of a \($0)" }, model: model)
        let width = expected[0].count
        XCTAssertEqual(watch.labelEmbeddings.shape, [labels.count, width])
        let rows = watch.labelEmbeddings.values
        for (index, row) in expected.enumerated() {
            for (got, want) in zip(rows[index * width..<(index + 1) * width], row) {
                XCTAssertEqual(got, want, accuracy: 1e-5, labels[index])
            }
        }
        // Not the bare label: the template is applied.
        let bare = try fullContextEmbeddings(["cat"], model: model)[0]
        XCTAssertGreaterThan(zip(rows[0..<width], bare).map { abs($0 - $1) }.max()!, 1e-3)
        let prompt = try fullContextEmbeddings(["a lighthouse at dusk"], model: model)[0]

        // A 80x48 picture: CLIP's preprocessing (short side to 64, centre crop), then the image tower.
        var pixels = [Float](repeating: 0, count: 3 * 48 * 80)
        for index in pixels.indices { pixels[index] = Float((index * 37) % 101) / 100 }
        let picture = Tensor(shape: [3, 48, 80], values: pixels)
        let input = ImagePreprocessing.resizeAndCenterCrop(picture, resolution: 64).reshaped([1, 3, 64, 64])
        let raw = model.imageEmbedding(CLIPModel.normalize(input)).values
        let norm = sqrt(raw.reduce(0) { $0 + $1 * $1 })
        let image = raw.map { $0 / norm }
        let cosines = expected.map { zip($0, image).reduce(0) { $0 + $1.0 * $1.1 } }
        let exponentials = cosines.map { exp(Double($0 * model.logitScale)) }
        let ranked = labels.indices.sorted { cosines[$0] > cosines[$1] }

        let reading = watch.read(picture)
        XCTAssertEqual(reading.matches.map(\.label), ranked.prefix(5).map { labels[$0] })
        for (match, index) in zip(reading.matches, ranked) {
            XCTAssertEqual(match.cosine, cosines[index], accuracy: 1e-5)
            XCTAssertEqual(Double(match.probability), exponentials[index] / exponentials.reduce(0, +), accuracy: 1e-5)
        }
        XCTAssertEqual(try XCTUnwrap(reading.promptCosine), zip(prompt, image).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-5)
        XCTAssertEqual(watch.read(picture, count: 3).matches.count, 3)
    }

    func testNoLabelsIsAnError() throws {
        XCTAssertThrowsError(try LabelWatch(labels: [], template: "a photo of a {}", prompt: nil, model: try TinyCLIP.model()))
    }

    func testTheShippedNounsAreDistinctAndNotBlank() {
        XCTAssertGreaterThanOrEqual(LabelWatch.commonNouns.count, 300)
        XCTAssertEqual(Set(LabelWatch.commonNouns).count, LabelWatch.commonNouns.count)
        XCTAssertFalse(LabelWatch.commonNouns.contains { $0.isEmpty || $0.contains(" ") })
    }
}
