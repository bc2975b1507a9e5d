import Foundation
import Tensor

/// Prompts turned into unit-length CLIP text embeddings, once per run.
public struct EncodedPrompts {
    /// [prompts, embed], each row of unit length unless encoded with `normalized: false`.
    public let embeddings: Tensor
    /// The prompts that were longer than CLIP's context and were cut.
    public let truncated: [String]
}

public enum PromptEncoder {
    /// Tokenises and encodes `prompts`. Empty prompts are an error: CLIP would still embed them,
    /// and the run would optimise towards nothing in particular. `normalized: false` keeps CLIP's
    /// raw embeddings, for recipes that average prompts before normalising (CLIPstyler's templates).
    /// `shortened` runs the text tower only up to the prompts' last end token (see `encodeText`).
    public static func encode(
        _ prompts: [String], with model: CLIPModel, normalized: Bool = true, shortened: Bool = false
    ) throws -> EncodedPrompts {
        if prompts.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw ModelError.emptyPrompt
        }
        guard model.hasTextTower else { throw ModelError.textTowerReleased }
        let tokenizer: CLIPTokenizer
        do {
            tokenizer = try CLIPTokenizer.standard()
        } catch {
            throw ModelError.unreadableVocabulary("\(error)")
        }
        let tokenized = prompts.map { tokenizer.tokenize($0, contextLength: model.architecture.contextLength) }
        let embeddings = model.encodeText(tokens: tokenized.map(\.ids), endIndices: tokenized.map(\.endIndex), shortened: shortened)
        return EncodedPrompts(
            embeddings: normalized ? l2Normalize(embeddings) : embeddings,
            truncated: zip(prompts, tokenized).filter { $0.1.wasTruncated }.map(\.0))
    }
}
