import Tensor

/// Renames a Hugging Face `transformers` CLIP checkpoint (`CLIPModel`, or one tower with its
/// projection) into OpenAI's names and layouts, which the model builders use for every format.
///
/// Besides renaming (`vision_model.pre_layrnorm` -> `visual.ln_pre`, `mlp.fc1` -> `mlp.c_fc`, …):
/// - transformers keeps separate q/k/v projections; OpenAI's `nn.MultiheadAttention` one
///   `in_proj_weight` [3·width, width] (and `in_proj_bias`) with q, k, v stacked in that order.
/// - transformers' projections are `nn.Linear` weights [embed, width] applied as x·Wᵀ; OpenAI's
///   `visual.proj` and `text_projection` are [width, embed] applied as x·P, so they are transposed.
/// - the `position_ids` buffers (int64 0..<n) are dropped.
public enum HuggingFaceCLIPNames {
    /// Whether `names` come from a transformers CLIP model (either tower).
    public static func matches<Names: Sequence>(_ names: Names) -> Bool where Names.Element == String {
        names.contains { $0.hasPrefix("vision_model.") || $0.hasPrefix("text_model.") }
    }

    /// The tensors under OpenAI's names. Names this mapping does not know are kept as they are;
    /// `file` names the checkpoint when a q/k/v projection is missing.
    public static func openAINamed(_ tensors: [String: Tensor], file: String) throws -> [String: Tensor] {
        var renamed: [String: Tensor] = [:]
        var projections: [String: AttentionInput] = [:]
        for (name, tensor) in tensors where !name.hasSuffix(".embeddings.position_ids") {
            if let transposedName = transposedNames[name] {
                renamed[transposedName] = try transposed(tensor, name: name, file: file)
            } else if let target = renamedNames[name] {
                renamed[target] = tensor
            } else if let (blockSource, blockTarget, rest) = encoderBlock(name) {
                if let (projection, kind) = attentionInputPart(rest) {
                    let target = blockTarget + "attn.in_proj_" + kind
                    projections[target, default: AttentionInput(source: blockSource + "self_attn.", kind: kind)]
                        .parts[projection] = tensor
                } else {
                    let part = blockParts.first { rest.hasPrefix($0.source) }
                    renamed[blockTarget + (part.map { $0.target + rest.dropFirst($0.source.count) } ?? rest)] = tensor
                }
            } else {
                renamed[name] = tensor
            }
        }
        for (target, input) in projections { renamed[target] = try input.stacked(file: file) }
        return renamed
    }

    // MARK: The name tables

    private static let renamedNames: [String: String] = [
        "logit_scale": "logit_scale",
        "text_model.embeddings.token_embedding.weight": "token_embedding.weight",
        "text_model.embeddings.position_embedding.weight": "positional_embedding",
        "text_model.final_layer_norm.weight": "ln_final.weight",
        "text_model.final_layer_norm.bias": "ln_final.bias",
        "vision_model.embeddings.class_embedding": "visual.class_embedding",
        "vision_model.embeddings.patch_embedding.weight": "visual.conv1.weight",
        "vision_model.embeddings.position_embedding.weight": "visual.positional_embedding",
        "vision_model.pre_layrnorm.weight": "visual.ln_pre.weight",
        "vision_model.pre_layrnorm.bias": "visual.ln_pre.bias",
        "vision_model.post_layernorm.weight": "visual.ln_post.weight",
        "vision_model.post_layernorm.bias": "visual.ln_post.bias",
    ]

    private static let transposedNames: [String: String] = [
        "visual_projection.weight": "visual.proj",
        "text_projection.weight": "text_projection",
    ]

    private static let towers: [(source: String, target: String)] = [
        ("text_model.encoder.layers.", "transformer.resblocks."),
        ("vision_model.encoder.layers.", "visual.transformer.resblocks."),
    ]

    private static let blockParts: [(source: String, target: String)] = [
        ("self_attn.out_proj.", "attn.out_proj."),
        ("layer_norm1.", "ln_1."),
        ("layer_norm2.", "ln_2."),
        ("mlp.fc1.", "mlp.c_fc."),
        ("mlp.fc2.", "mlp.c_proj."),
    ]

    /// "vision_model.encoder.layers.3.mlp.fc1.weight" ->
    /// ("vision_model.encoder.layers.3.", "visual.transformer.resblocks.3.", "mlp.fc1.weight").
    private static func encoderBlock(_ name: String) -> (source: String, target: String, rest: Substring)? {
        for tower in towers where name.hasPrefix(tower.source) {
            let tail = name.dropFirst(tower.source.count)
            guard let dot = tail.firstIndex(of: "."), tail[..<dot].allSatisfy(\.isNumber) else { return nil }
            let layer = tail[..<dot]
            return (tower.source + layer + ".", tower.target + layer + ".", tail[tail.index(after: dot)...])
        }
        return nil
    }

    /// "self_attn.k_proj.bias" -> ("k", "bias").
    private static func attentionInputPart(_ rest: Substring) -> (projection: String, kind: String)? {
        for projection in ["q", "k", "v"] {
            let prefix = "self_attn.\(projection)_proj."
            if rest.hasPrefix(prefix) { return (projection, String(rest.dropFirst(prefix.count))) }
        }
        return nil
    }

    // MARK: Layout changes

    /// One block's separate q/k/v weights (or biases), to be stacked into `in_proj_*`.
    private struct AttentionInput {
        let source: String
        let kind: String
        var parts: [String: Tensor] = [:]

        init(source: String, kind: String) {
            self.source = source
            self.kind = kind
        }

        func stacked(file: String) throws -> Tensor {
            let ordered = try ["q", "k", "v"].map { projection in
                guard let part = parts[projection] else {
                    throw WeightError.missingTensor(
                        file: file, name: "\(source)\(projection)_proj.\(kind)",
                        similar: parts.keys.sorted().map { "\(source)\($0)_proj.\(kind)" })
                }
                return part
            }
            let rowShape = Array(ordered[0].shape.dropFirst())
            guard ordered.allSatisfy({ $0.rank == rowShape.count + 1 && Array($0.shape.dropFirst()) == rowShape })
            else {
                throw WeightError.malformed(
                    file: file,
                    reason: "\(source)q/k/v_proj.\(kind) have shapes \(ordered.map(\.shape)) that do not stack")
            }
            let result = Tensor(uninitializedShape: [ordered.reduce(0) { $0 + $1.shape[0] }] + rowShape)
            var offset = 0
            for part in ordered {
                (result.pointer + offset).update(from: part.pointer, count: part.count)
                offset += part.count
            }
            return result
        }
    }

    private static func transposed(_ matrix: Tensor, name: String, file: String) throws -> Tensor {
        guard matrix.rank == 2 else {
            throw WeightError.malformed(
                file: file, reason: "\(name) has shape \(matrix.shape); a projection matrix was expected")
        }
        let rows = matrix.shape[0]
        let columns = matrix.shape[1]
        let result = Tensor(uninitializedShape: [columns, rows])
        for row in 0..<rows {
            for column in 0..<columns { result.pointer[column * rows + row] = matrix.pointer[row * columns + column] }
        }
        return result
    }
}
