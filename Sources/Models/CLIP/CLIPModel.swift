import Foundation
import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What to keep from a forward pass of the image tower besides the embedding.
public struct VisionCapture: Sendable {
    /// ViT: the token map [B, T, width] after each block.
    public var blockTokens = false
    /// ViT: the attention probabilities [B, heads, T, T] of each block (CLIPasso's saliency).
    public var attention = false
    /// ResNet: the stem output, then layer1 … layer4.
    public var stages = false
    /// ViT: stop after this many blocks (no embedding then); `nil` runs the whole tower.
    public var blockLimit: Int?
    /// ResNet: stop after this many stages (no embedding then); `nil` runs the whole tower.
    public var stageLimit: Int?

    public init(blockTokens: Bool = false, attention: Bool = false, stages: Bool = false, blockLimit: Int? = nil, stageLimit: Int? = nil) {
        self.blockTokens = blockTokens
        self.attention = attention
        self.stages = stages
        self.blockLimit = blockLimit
        self.stageLimit = stageLimit
    }
}

public struct VisionFeatures {
    /// [B, embed], not normalised; `nil` when the pass stopped early.
    public internal(set) var embedding: Tensor?
    public internal(set) var blockTokens: [Tensor] = []
    public internal(set) var attention: [Tensor] = []
    /// Stem, layer1 … layer4 (ResNet).
    public internal(set) var stages: [Tensor] = []
}

/// A CLIP model built from its weights, frozen. Images go in normalised
/// ([B, 3, R, R] after `CLIPModel.normalize`), token ids from `CLIPTokenizer`.
public final class CLIPModel {
    /// CLIP's preprocessing statistics (OpenAI's `_transform`; docs/models.md).
    public static let imageMean: [Float] = [0.481_454_66, 0.457_827_5, 0.408_210_73]
    public static let imageStd: [Float] = [0.268_629_54, 0.261_302_58, 0.275_777_11]

    public let architecture: CLIPArchitecture
    public let logitScale: Float
    private let visual: VisualTower
    private var text: TextTransformer?

    private enum VisualTower {
        case transformer(VisionTransformer)
        case resNet(ModifiedResNet)
    }

    /// Builds the model from a checkpoint, inferring the architecture from the tensors' names and
    /// shapes. `activation` overrides the MLP activation (OpenCLIP models trained with exact GELU).
    public convenience init(weights: StateDict, activation: CLIPArchitecture.Activation = .quickGELU) throws {
        var architecture = try CLIPArchitecture(inferringFrom: weights.tensors.mapValues(\.shape))
        architecture.activation = activation
        try self.init(weights: weights, architecture: architecture)
    }

    /// Builds the model from named tensors in memory (synthetic weights); `name` stands for the
    /// file in error messages.
    public convenience init(weights: [String: Tensor], architecture: CLIPArchitecture, name: String) throws {
        try self.init(
            weights: StateDict(tensors: weights, source: URL(fileURLWithPath: name), format: .safetensors), architecture: architecture)
    }

    /// Builds the model, taking each tensor from `weights` by name with its expected shape: a
    /// missing or mis-shaped tensor is a `WeightError` naming the file and the tensor.
    public init(weights: StateDict, architecture: CLIPArchitecture) throws {
        self.architecture = architecture
        var table = weights
        switch architecture.vision {
        case .transformer(let width, let layers, let patchSize):
            visual = .transformer(
                try VisionTransformer(&table, architecture: architecture, width: width, layers: layers, patchSize: patchSize))
        case .resNet(let stageBlocks, let width):
            visual = .resNet(try ModifiedResNet(&table, architecture: architecture, stageBlocks: stageBlocks, width: width))
        }
        text = try TextTransformer(&table, architecture: architecture)
        // The checkpoint stores log(scale); OpenAI multiplies the cosine by exp of it.
        logitScale = expf(try table.takeScalar("logit_scale"))
    }

    private init(sharing model: CLIPModel) {
        architecture = model.architecture
        logitScale = model.logitScale
        visual = model.visual
        text = model.text
        precision = model.precision
    }

    /// Another handle on the same (frozen) weights: a model kept for several runs in one
    /// process (`clipcanvas batch`) gives each run its own handle, so that a run releasing its
    /// text tower leaves the tower in place for the next run.
    public func sharingWeights() -> CLIPModel { CLIPModel(sharing: self) }

    /// The arithmetic of the image tower's linear layers; float32 until `use(_:)` says otherwise.
    public private(set) var precision = CLIPPrecision.fp32

    /// Runs the image tower's linear layers in `precision` from now on (weights are converted
    /// here, once). Throws `PrecisionUnavailable` when the CPU cannot run it.
    public func use(_ precision: CLIPPrecision) throws {
        guard precision.unavailableReason == nil else { throw PrecisionUnavailable(precision: precision) }
        guard precision != self.precision else { return }
        switch visual {
        case .transformer(let tower): tower.use(precision)
        case .resNet(let tower): tower.use(precision)
        }
        self.precision = precision
    }

    public var imageResolution: Int { architecture.imageResolution }
    public var hasTextTower: Bool { text != nil }

    /// The image tower on normalised images [B, 3, R, R]. Differentiable with respect to the
    /// images (the weights are frozen: only the input gradient is ever computed).
    public func encodeImage(_ images: Tensor, capture: VisionCapture = VisionCapture()) -> VisionFeatures {
        precondition(
            images.rank == 4 && images.shape[1] == 3 && images.shape[2] == imageResolution && images.shape[3] == imageResolution,
            "CLIP expects images [B, 3, \(imageResolution), \(imageResolution)], got \(images.shape)")
        switch visual {
        case .transformer(let tower): return tower(images, capture: capture)
        case .resNet(let tower): return tower(images, capture: capture)
        }
    }

    /// Unnormalised image embeddings [B, embed].
    public func imageEmbedding(_ images: Tensor) -> Tensor {
        encodeImage(images).embedding!
    }

    /// Unnormalised text embeddings [prompts, embed]; `tokens` rows are `contextLength` ids.
    /// `shortened`: the tower runs only up to the last end-of-text token (equal up to rounding).
    public func encodeText(tokens: [[Int]], endIndices: [Int], shortened: Bool = false) -> Tensor {
        guard let text else { preconditionFailure("the text tower was released; encode prompts before releaseTextTower()") }
        precondition(tokens.allSatisfy { $0.count == architecture.contextLength }, "token rows must have \(architecture.contextLength) ids")
        return text(tokens: tokens, endIndices: endIndices, shortened: shortened)
    }

    /// Frees the text tower's weights once the prompts of a run are encoded.
    public func releaseTextTower() { text = nil }

    /// Maps images in [0, 1] to CLIP's input statistics, differentiably.
    public static func normalize(_ images: Tensor) -> Tensor {
        let mean = Tensor(shape: [3, 1, 1], values: imageMean)
        let inverseStd = Tensor(shape: [3, 1, 1], values: imageStd.map { 1 / $0 })
        return (images - mean) * inverseStd
    }
}
