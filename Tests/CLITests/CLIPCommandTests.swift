import Foundation
import Models
import Output
import Tensor
import TestSupport
import XCTest

/// `score`, `embed` and `models` run end to end on a small CLIP whose weights the test writes as a
/// safetensors file, as a user's checkpoint would arrive.
final class CLIPCommandTests: TemporaryDirectoryTestCase {
    private var weightsPath = ""
    private let architecture = CLIPArchitecture(
        vision: .transformer(width: 64, layers: 1, patchSize: 32), imageResolution: 64, embedDimension: 32,
        textWidth: 64, textLayers: 1)

    override func setUpWithError() throws {
        try super.setUpWithError()
        weightsPath = path("tiny.safetensors")
        try TinyCLIP.write(architecture, to: weightsPath)
    }

    private var photo: String { TestFiles.sample("photos/chelsea.png") }

    /// A safetensors file (8-byte header length, JSON header, raw little-endian float32 data).
    func testScoreMatchesTheLibraryAndSumsToOne() throws {
        let result = try ClipCanvasBinary.run(["score", photo, "--text", "a cat", "--text", "a dog", "--model", weightsPath, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["texts"] as? [String], ["a cat", "a dog"])
        let row = try XCTUnwrap((report?["images"] as? [[String: Any]])?.first)
        let cosine = try XCTUnwrap(row["cosine"] as? [Double])
        let probability = try XCTUnwrap(row["probability"] as? [Double])
        XCTAssertEqual(probability.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertTrue(cosine.allSatisfy { abs($0) <= 1 })

        // The same numbers through the library API: the command wires model, tokenizer,
        // preprocessing and the softmax over prompts together.
        let model = try CLIPModel(weights: SyntheticWeights.stateDict(for: architecture), architecture: architecture, name: "tiny")
        let tokenizer = try CLIPTokenizer.standard()
        let prompts = ["a cat", "a dog"].map { tokenizer.tokenize($0) }
        let text = l2Normalize(model.encodeText(tokens: prompts.map(\.ids), endIndices: prompts.map(\.endIndex)))
        let image = try XCTUnwrap(Self.loadPhotoTensor(photo, resolution: 64))
        let expected = matmul(l2Normalize(model.imageEmbedding(CLIPModel.normalize(image))), text, transposeB: true).values
        XCTAssertEqual(cosine[0], Double(expected[0]), accuracy: 1e-5)
        XCTAssertEqual(cosine[1], Double(expected[1]), accuracy: 1e-5)
    }

    private static func loadPhotoTensor(_ path: String, resolution: Int) throws -> Tensor? {
        let rgb = try ImageFile.load(path).compositedOnWhite().tensor
        return ImagePreprocessing.resizeAndCenterCrop(rgb, resolution: resolution).reshaped([1, 3, resolution, resolution])
    }

    func testEmbedWritesUnitRowsToNpy() throws {
        let output = path("prompts.npy")
        let result = try ClipCanvasBinary.run(["embed", "--text", "a cat", "--text", "a dog", "--model", weightsPath, "-o", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        XCTAssertTrue(data.starts(with: [0x93] + Array("NUMPY".utf8)))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.contains("'shape': (2, 32)"), header)
        XCTAssertEqual((10 + headerLength) % 64, 0, "numpy aligns the data to 64 bytes")
        let values = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(values.count, 64)
        for row in 0..<2 {
            let norm = values[row * 32..<(row + 1) * 32].map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
    }

    func testErrorsAreClearAndLeaveNoOutput() throws {
        let output = path("out.npy")
        let missingPhoto = try ClipCanvasBinary.run(["embed", "/nonexistent/cat.png", "--model", weightsPath, "-o", output])
        XCTAssertNotEqual(missingPhoto.status, 0)
        XCTAssertTrue(missingPhoto.stderr.contains("/nonexistent/cat.png"), missingPhoto.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))

        let unknownModel = try ClipCanvasBinary.run(["score", photo, "--text", "a cat", "--model", "ViT-H/14"])
        XCTAssertNotEqual(unknownModel.status, 0)
        XCTAssertTrue(unknownModel.stderr.contains("known: RN50"), unknownModel.stderr)

        let emptyPrompt = try ClipCanvasBinary.run(["score", photo, "--text", "  ", "--model", weightsPath])
        XCTAssertNotEqual(emptyPrompt.status, 0)
        XCTAssertTrue(emptyPrompt.stderr.lowercased().contains("empty"), emptyPrompt.stderr)

        let notWeights = URL(fileURLWithPath: path("notes.txt"))
        try Data("not a checkpoint".utf8).write(to: notWeights)
        let badWeights = try ClipCanvasBinary.run(["score", photo, "--text", "a cat", "--model", notWeights.path])
        XCTAssertNotEqual(badWeights.status, 0)
        XCTAssertTrue(badWeights.stderr.contains("notes.txt"), badWeights.stderr)
    }

    /// Offline, a missing known model is an error that says which file to put where.
    func testOfflineMissingModelSaysWhereToPutIt() throws {
        let home = path("home")
        let result = try ClipCanvasBinary.run(
            ["score", photo, "--text", "a cat", "--model", "ViT-B/32", "--offline"],
            environment: ["HOME": home, "CLIPCANVAS_CACHE": home + "/cache"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("ViT-B-32.pt") && result.stderr.contains(home + "/cache"), result.stderr)

        let listing = try ClipCanvasBinary.run(["models"], environment: ["HOME": home, "CLIPCANVAS_CACHE": home + "/cache"])
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.stdout.contains("ViT-L/14@336px"))
        XCTAssertTrue(listing.stdout.contains("not downloaded"))
    }
}
