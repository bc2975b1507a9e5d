import ArgumentParser
import Foundation
import Guidance

/// `--watch N` and `--watch-labels FILE`: every N steps, what CLIP sees in the picture (its
/// top-5 among the labels, and the prompt's CLIP score), as the CLIPDraw reference prints it.
struct WatchOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Every N steps, show what CLIP sees: the picture's top 5 among --watch-labels (embedded as \"a drawing of a {label}\" for draw and sketch, \"a photo of a {label}\" for style and paint; softmax probabilities at CLIP's logit scale, and cosines in --json) and the prompt's CLIP score (cosine; sketch has no prompt).",
            valueName: "N"))
    var watch: Int?

    @Option(
        name: .customLong("watch-labels"),
        help: ArgumentHelp(
            "With --watch: the labels, one per line (default: \(LabelWatch.commonNouns.count) common nouns).", valueName: "FILE"))
    var labelsFile: String?

    /// Embedding a label costs a text-tower pass at the start of the run.
    static let maximumLabels = 10_000

    func validate() throws {
        if watch == nil, labelsFile != nil { throw ValidationError("--watch-labels needs --watch N") }
        if let watch, watch < 1 { throw ValidationError("--watch must be at least 1, got \(watch)") }
        _ = try labels()
    }

    /// The labels to rank: the file's non-blank lines (trimmed), or the shipped common nouns.
    func labels() throws -> [String] {
        guard let labelsFile else { return LabelWatch.commonNouns }
        guard let data = FileManager.default.contents(atPath: labelsFile) else {
            throw ValidationError("cannot read the watch labels \(labelsFile); give a text file with one label per line")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(labelsFile) is not UTF-8 text; --watch-labels takes one label per line")
        }
        let labels = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !labels.isEmpty else { throw ValidationError("\(labelsFile) holds no labels; give one label per line") }
        guard labels.count <= Self.maximumLabels else {
            throw ValidationError("\(labelsFile) holds \(labels.count) labels; --watch ranks at most \(Self.maximumLabels)")
        }
        return labels
    }
}
