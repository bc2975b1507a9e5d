import Models
import Tensor
import TestSupport
import XCTest

/// The text tower run only up to a batch's last end token (`shortened`, for the `--watch`
/// labels) against the full 77-position run: the mask is causal, so every pooled feature must
/// agree up to rounding, for prompts of different lengths in one batch, through several blocks.
final class ShortenedTextTests: XCTestCase {
    func testShortenedRunsMatchTheFullContext() throws {
        let architecture = CLIPArchitecture(
            vision: .transformer(width: 64, layers: 1, patchSize: 32), imageResolution: 64, embedDimension: 32,
            textWidth: 64, textLayers: 3)
        let model = try TinyCLIP.model(architecture)
        let tokenizer = try CLIPTokenizer.standard()
        let prompts = ["a drawing of a cat", "a photo of a red bicycle leaning on a wall by the sea", "moon"]
        let tokens = prompts.map { tokenizer.tokenize($0, contextLength: 77) }
        let full = model.encodeText(tokens: tokens.map(\.ids), endIndices: tokens.map(\.endIndex))
        let shortened = model.encodeText(tokens: tokens.map(\.ids), endIndices: tokens.map(\.endIndex), shortened: true)
        XCTAssertEqual(shortened.shape, full.shape)
        let scale = full.values.map(abs).max()!
        XCTAssertGreaterThan(scale, 0)
        for (got, want) in zip(shortened.values, full.values) {
            XCTAssertEqual(got, want, accuracy: 1e-5 * scale)
        }
        // Not trivially equal: a prompt cut before its end token would differ.
        let wrong = model.encodeText(tokens: tokens.map(\.ids), endIndices: tokens.map { $0.endIndex - 1 }, shortened: true)
        XCTAssertGreaterThan(zip(wrong.values, full.values).map { abs($0 - $1) }.max()!, 1e-3 * scale)
    }
}
