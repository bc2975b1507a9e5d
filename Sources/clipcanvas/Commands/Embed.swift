import ArgumentParser
import Foundation
import Models
import Output
import Tensor

/// `clipcanvas embed`: normalised CLIP embeddings of images or prompts, for retrieval and for
/// checking us against other tools.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "L2-normalised CLIP embeddings of images or prompts, as JSON or a .npy file.")

    @Argument(help: "Image files (PNG or JPEG).")
    var images: [String] = []

    @Option(name: .long, help: "A prompt; repeat for several. Give either images or prompts.")
    var text: [String] = []

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print the embeddings as JSON (default: one line per input, its name and the numbers; none with -o alone).")
    var json = false

    @Option(name: .shortAndLong, help: "Write the embeddings as a float32 .npy array [N, embed].")
    var output: String?

    func validate() throws {
        guard images.isEmpty != text.isEmpty else {
            throw ValidationError("give either image files or --text prompts, not both or neither")
        }
        if let output, !output.lowercased().hasSuffix(".npy") { throw ValidationError("-o must name a .npy file") }
        if text.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw ValidationError("prompts must not be empty")
        }
    }

    func run() throws {
        let model = try modelOptions.load()
        let embeddings =
            images.isEmpty
            ? try CLIPInputs.textEmbeddings(text, for: model) : l2Normalize(model.imageEmbedding(try CLIPInputs.images(images, for: model)))
        try FiniteOutput.check(embeddings, "the embeddings")
        if let output {
            try AtomicFile.write(NumPyArray.encode(embeddings), to: output)
        } else if !json {
            let width = embeddings.shape[1]
            for (index, input) in (images.isEmpty ? text : images).enumerated() {
                let numbers = embeddings.values[index * width..<(index + 1) * width].map { String(format: "%.6f", $0) }
                print("\(input)\t" + numbers.joined(separator: " "))
            }
        }
        if json {
            let width = embeddings.shape[1]
            let inputs = images.isEmpty ? text : images
            let rows = inputs.enumerated().map { index, input in
                ["input": input as Any, "embedding": Array(embeddings.values[index * width..<(index + 1) * width]).map(Double.init)]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// NumPy's .npy format (version 1.0) for a float32 tensor.
enum NumPyArray {
    static func encode(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.rank == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to 64 bytes, then \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        tensor.values.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        return data
    }
}
