import Foundation
import Models
import Output
import Tensor

/// Turning the user's files and prompts into what a CLIP model reads.
enum CLIPInputs {
    /// Loads photos, composites alpha onto white, resizes and centre-crops them to the model's
    /// resolution, and normalises: [N, 3, R, R].
    static func images(_ paths: [String], for model: CLIPModel) throws -> Tensor {
        let prepared = try paths.map { path -> Tensor in
            let rgb = try ImageFile.load(path).compositedOnWhite().tensor
            return ImagePreprocessing.resizeAndCenterCrop(rgb, resolution: model.imageResolution)
        }
        return CLIPModel.normalize(stack(prepared))
    }

    /// Unit text embeddings [P, embed] of the prompts, warning on stderr when one was cut to
    /// CLIP's context length.
    static func textEmbeddings(_ prompts: [String], for model: CLIPModel) throws -> Tensor {
        let encoded = try PromptEncoder.encode(prompts, with: model)
        for prompt in encoded.truncated {
            printToStandardError(
                "warning: prompt \"\(prompt.prefix(40))…\" is longer than CLIP's \(model.architecture.contextLength) tokens; it was truncated"
            )
        }
        return encoded.embeddings
    }
}
