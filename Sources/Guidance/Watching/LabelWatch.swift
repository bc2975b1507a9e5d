import Foundation
import Models
import Tensor

/// What CLIP sees in a picture, as the CLIPDraw reference shows it while it runs: the picture's
/// zero-shot ranking among a list of labels (each embedded once as `template` with the label in
/// place of `{}`), and its CLIP score against the run's prompt. Build it before the method
/// releases the model's text tower; reading a picture needs only the image tower.
public struct LabelWatch {
    /// One label's standing: the cosine of the picture's and the templated label's embeddings,
    /// and the softmax of the cosines over all labels at CLIP's logit scale (the reference's
    /// `(100 * image @ text.T).softmax`).
    public struct Match: Sendable, Equatable {
        public let label: String
        public let probability: Float
        public let cosine: Float
    }

    /// A picture's best matches, best first, and its cosine to the prompt (nil without one).
    public struct Reading: Sendable {
        public let matches: [Match]
        public let promptCosine: Float?
    }

    public let labels: [String]
    public let template: String
    /// [labels, embed], unit rows: the templated labels through CLIP's text tower.
    public let labelEmbeddings: Tensor
    /// [1, embed], unit length; nil when the run has no prompt (a sketch).
    public let promptEmbedding: Tensor?
    private let model: CLIPModel

    /// Labels through the text tower at once.
    static let chunk = 256

    /// The side of the square picture CLIP reads.
    public var resolution: Int { model.imageResolution }

    /// Embeds `labels` (non-empty, none blank) as `template` (holding one `{}`) and `prompt`
    /// with `model`'s text tower, which must still be there.
    public init(labels: [String], template: String, prompt: String?, model: CLIPModel) throws {
        guard !labels.isEmpty else { throw LabelWatchError("the watch label list is empty; give at least one label") }
        precondition(template.contains("{}"), "a label template holds {} where the label goes")
        self.labels = labels
        self.template = template
        self.model = model
        // In chunks, so a long label file does not hold the text tower's activations for all at once.
        let prompts = labels.map { Self.fill(template, with: $0) }
        let chunks = try stride(from: 0, to: prompts.count, by: Self.chunk).map { start in
            try PromptEncoder.encode(Array(prompts[start..<min(start + Self.chunk, prompts.count)]), with: model, shortened: true)
                .embeddings
        }
        labelEmbeddings = chunks.count == 1 ? chunks[0] : concat(chunks, axis: 0)
        promptEmbedding = try prompt.map { try PromptEncoder.encode([$0], with: model).embeddings }
    }

    /// `template` with `label` in place of `{}`: "a drawing of a {}" -> "a drawing of a cat".
    public static func fill(_ template: String, with label: String) -> String {
        template.replacingOccurrences(of: "{}", with: label)
    }

    /// The `count` best labels for `image` [3, H, W] in [0, 1] (any size: resized and centre-
    /// cropped to the model's resolution as CLIP's preprocessing does), forward only.
    public func read(_ image: Tensor, count: Int = 5) -> Reading {
        precondition(image.rank == 3 && image.shape[0] == 3, "a watched picture is RGB [3, H, W], got \(image.shape)")
        let resolution = model.imageResolution
        let input = ImagePreprocessing.resizeAndCenterCrop(image.detached(), resolution: resolution)
        let embedding = l2Normalize(model.imageEmbedding(CLIPModel.normalize(input).reshaped([1, 3, resolution, resolution]))).values
        let width = embedding.count
        let table = labelEmbeddings.values
        let cosines = (0..<labels.count).map { row in
            (0..<width).reduce(Float(0)) { $0 + table[row * width + $1] * embedding[$1] }
        }
        // Softmax at CLIP's logit scale, shifted by the largest logit for stability.
        let logits = cosines.map { $0 * model.logitScale }
        let largest = logits.max() ?? 0
        let exponentials = logits.map { expf($0 - largest) }
        let total = exponentials.reduce(0, +)
        let ranked = cosines.indices.sorted { cosines[$0] > cosines[$1] || (cosines[$0] == cosines[$1] && $0 < $1) }
        let matches = ranked.prefix(count).map {
            Match(label: labels[$0], probability: exponentials[$0] / total, cosine: cosines[$0])
        }
        let promptCosine = promptEmbedding.map { prompt in
            zip(prompt.values, embedding).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        }
        return Reading(matches: Array(matches), promptCosine: promptCosine)
    }
}

/// A watch that cannot be set up (no labels).
public struct LabelWatchError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
