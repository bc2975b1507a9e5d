import ArgumentParser
import Foundation
import Models
import Tensor

/// `clipcanvas score`: how well images match prompts under a CLIP model — for judging and
/// comparing outputs.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CLIP similarity of images to prompts, and zero-shot probabilities over the prompts.")

    @Argument(help: "Image files (PNG or JPEG).")
    var images: [String]

    @Option(name: .long, help: "A prompt; repeat for several.")
    var text: [String] = []

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard !text.isEmpty else { throw ValidationError("give at least one --text prompt") }
        if let empty = text.first(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw ValidationError("prompts must not be empty (got \"\(empty)\")")
        }
    }

    struct Row: Encodable {
        let image: String
        let cosine: [Float]
        let probability: [Float]
    }

    struct Report: Encodable {
        let texts: [String]
        let images: [Row]
    }

    func run() throws {
        let model = try modelOptions.load()
        let imageEmbeddings = l2Normalize(model.imageEmbedding(try CLIPInputs.images(images, for: model)))
        let textEmbeddings = try CLIPInputs.textEmbeddings(text, for: model)
        let cosine = matmul(imageEmbeddings, textEmbeddings, transposeB: true)
        let probabilities = softmax(cosine * model.logitScale)
        try FiniteOutput.check(cosine, "the similarities")
        try FiniteOutput.check(probabilities, "the probabilities")
        let rows = images.enumerated().map { index, path in
            Row(
                image: path,
                cosine: Array(cosine.values[index * text.count..<(index + 1) * text.count]),
                probability: Array(probabilities.values[index * text.count..<(index + 1) * text.count]))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Report(texts: text, images: rows)), as: UTF8.self))
        } else {
            printTable(rows)
        }
    }

    private func printTable(_ rows: [Row]) {
        print("cosine similarity (zero-shot probability over the \(text.count) prompts)")
        for (index, prompt) in text.enumerated() { print("  [\(index + 1)] \(prompt)") }
        for row in rows {
            let cells = zip(row.cosine, row.probability).enumerated().map { index, pair in
                String(format: "[%d] %.4f (%5.1f%%)", index + 1, pair.0, pair.1 * 100)
            }
            print("\(row.image): " + cells.joined(separator: "  "))
        }
    }
}
