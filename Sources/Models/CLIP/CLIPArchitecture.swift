/// The shape of a CLIP model, inferred from its weights as OpenAI's `build_model` does, or taken
/// from the table of known models (for synthetic weights and benchmarks).
public struct CLIPArchitecture: Equatable, Sendable {
    public enum Vision: Equatable, Sendable {
        /// Vision transformer: `width` channels, `layers` blocks, square `patchSize` patches.
        case transformer(width: Int, layers: Int, patchSize: Int)
        /// OpenAI's modified ResNet: blocks per stage and the stem width (64 for RN50/RN101).
        case resNet(stageBlocks: [Int], width: Int)
    }

    /// The activation of the transformer MLPs: OpenAI models use QuickGELU (x·σ(1.702x)); many
    /// OpenCLIP/LAION models were trained with exact GELU, and nothing in the weights tells them
    /// apart (a Hugging Face config.json does; otherwise the user says `--activation gelu`).
    public enum Activation: String, Equatable, Sendable {
        case quickGELU = "quickgelu"
        case gelu
    }

    public var vision: Vision
    public var imageResolution: Int
    public var embedDimension: Int
    public var contextLength: Int
    public var vocabularySize: Int
    public var textWidth: Int
    public var textLayers: Int
    public var activation: Activation

    public var textHeads: Int { textWidth / 64 }

    /// Heads of the vision transformer, or of the ResNet's attention pool.
    public var visionHeads: Int {
        switch vision {
        case .transformer(let width, _, _): return width / 64
        case .resNet(_, let width): return width * 32 / 64
        }
    }

    public init(
        vision: Vision, imageResolution: Int, embedDimension: Int, contextLength: Int = 77, vocabularySize: Int = 49408,
        textWidth: Int, textLayers: Int = 12, activation: Activation = .quickGELU
    ) {
        self.vision = vision
        self.imageResolution = imageResolution
        self.embedDimension = embedDimension
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.textWidth = textWidth
        self.textLayers = textLayers
        self.activation = activation
    }

    /// OpenAI's released models (docs/models.md), by their names.
    public static let known: [String: CLIPArchitecture] = [
        "RN50": .init(vision: .resNet(stageBlocks: [3, 4, 6, 3], width: 64), imageResolution: 224, embedDimension: 1024, textWidth: 512),
        "RN101": .init(vision: .resNet(stageBlocks: [3, 4, 23, 3], width: 64), imageResolution: 224, embedDimension: 512, textWidth: 512),
        "RN50x4": .init(vision: .resNet(stageBlocks: [4, 6, 10, 6], width: 80), imageResolution: 288, embedDimension: 640, textWidth: 640),
        "RN50x16": .init(
            vision: .resNet(stageBlocks: [6, 8, 18, 8], width: 96), imageResolution: 384, embedDimension: 768, textWidth: 768),
        "RN50x64": .init(
            vision: .resNet(stageBlocks: [3, 15, 36, 10], width: 128), imageResolution: 448, embedDimension: 1024, textWidth: 1024),
        "ViT-B/32": .init(
            vision: .transformer(width: 768, layers: 12, patchSize: 32), imageResolution: 224, embedDimension: 512, textWidth: 512),
        "ViT-B/16": .init(
            vision: .transformer(width: 768, layers: 12, patchSize: 16), imageResolution: 224, embedDimension: 512, textWidth: 512),
        "ViT-L/14": .init(
            vision: .transformer(width: 1024, layers: 24, patchSize: 14), imageResolution: 224, embedDimension: 768, textWidth: 768),
        "ViT-L/14@336px": .init(
            vision: .transformer(width: 1024, layers: 24, patchSize: 14), imageResolution: 336, embedDimension: 768, textWidth: 768),
    ]

    /// Every parameter the model needs, with its shape, in OpenAI's names. Weight files are
    /// checked against this list; synthetic weights are generated from it.
    public var parameterShapes: [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = []
        func block(_ prefix: String, _ width: Int) {
            shapes += [
                ("\(prefix).ln_1.weight", [width]), ("\(prefix).ln_1.bias", [width]),
                ("\(prefix).attn.in_proj_weight", [3 * width, width]), ("\(prefix).attn.in_proj_bias", [3 * width]),
                ("\(prefix).attn.out_proj.weight", [width, width]), ("\(prefix).attn.out_proj.bias", [width]),
                ("\(prefix).ln_2.weight", [width]), ("\(prefix).ln_2.bias", [width]),
                ("\(prefix).mlp.c_fc.weight", [4 * width, width]), ("\(prefix).mlp.c_fc.bias", [4 * width]),
                ("\(prefix).mlp.c_proj.weight", [width, 4 * width]), ("\(prefix).mlp.c_proj.bias", [width]),
            ]
        }
        func batchNorm(_ prefix: String, _ channels: Int) {
            for suffix in ["weight", "bias", "running_mean", "running_var"] { shapes.append(("\(prefix).\(suffix)", [channels])) }
        }
        switch vision {
        case .transformer(let width, let layers, let patch):
            let grid = imageResolution / patch
            shapes += [
                ("visual.conv1.weight", [width, 3, patch, patch]), ("visual.class_embedding", [width]),
                ("visual.positional_embedding", [grid * grid + 1, width]),
                ("visual.ln_pre.weight", [width]), ("visual.ln_pre.bias", [width]),
            ]
            for layer in 0..<layers { block("visual.transformer.resblocks.\(layer)", width) }
            shapes += [("visual.ln_post.weight", [width]), ("visual.ln_post.bias", [width]), ("visual.proj", [width, embedDimension])]
        case .resNet(let stageBlocks, let width):
            shapes.append(("visual.conv1.weight", [width / 2, 3, 3, 3]))
            batchNorm("visual.bn1", width / 2)
            shapes.append(("visual.conv2.weight", [width / 2, width / 2, 3, 3]))
            batchNorm("visual.bn2", width / 2)
            shapes.append(("visual.conv3.weight", [width, width / 2, 3, 3]))
            batchNorm("visual.bn3", width)
            var inChannels = width
            for (stage, blocks) in stageBlocks.enumerated() {
                let planes = width << stage
                for index in 0..<blocks {
                    let prefix = "visual.layer\(stage + 1).\(index)"
                    let stride = (index == 0 && stage > 0) ? 2 : 1
                    shapes.append(("\(prefix).conv1.weight", [planes, inChannels, 1, 1]))
                    batchNorm("\(prefix).bn1", planes)
                    shapes.append(("\(prefix).conv2.weight", [planes, planes, 3, 3]))
                    batchNorm("\(prefix).bn2", planes)
                    shapes.append(("\(prefix).conv3.weight", [planes * 4, planes, 1, 1]))
                    batchNorm("\(prefix).bn3", planes * 4)
                    if stride > 1 || inChannels != planes * 4 {
                        shapes.append(("\(prefix).downsample.0.weight", [planes * 4, inChannels, 1, 1]))
                        batchNorm("\(prefix).downsample.1", planes * 4)
                    }
                    inChannels = planes * 4
                }
            }
            let embed = width * 32, grid = imageResolution / 32
            shapes.append(("visual.attnpool.positional_embedding", [grid * grid + 1, embed]))
            for projection in ["q_proj", "k_proj", "v_proj"] {
                shapes += [("visual.attnpool.\(projection).weight", [embed, embed]), ("visual.attnpool.\(projection).bias", [embed])]
            }
            shapes += [("visual.attnpool.c_proj.weight", [embedDimension, embed]), ("visual.attnpool.c_proj.bias", [embedDimension])]
        }
        shapes += [
            ("token_embedding.weight", [vocabularySize, textWidth]), ("positional_embedding", [contextLength, textWidth]),
        ]
        for layer in 0..<textLayers { block("transformer.resblocks.\(layer)", textWidth) }
        shapes += [
            ("ln_final.weight", [textWidth]), ("ln_final.bias", [textWidth]),
            ("text_projection", [textWidth, embedDimension]), ("logit_scale", []),
        ]
        return shapes
    }
}
