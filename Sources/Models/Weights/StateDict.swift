import Foundation
import Tensor

/// How a weight file was stored.
public enum WeightFormat: String, Sendable {
    /// `torch.jit.save` archive: OpenAI's released `.pt` files.
    case torchScript
    /// `torch.save` zip of a state dict: OpenCLIP `.bin`, torchvision `.pth`, training checkpoints.
    case torchZip
    case safetensors
}

/// A checkpoint's tensors by name, all float32, under OpenAI's CLIP names whatever the file
/// used (Hugging Face names are mapped on load). Model builders infer the architecture from these
/// names and shapes, read what they need with `tensor(_:shape:)` or consume it with
/// `take(_:shape:)`, and get one kind of error (`WeightError.missingTensor` or `.shapeMismatch`,
/// naming the file and the tensor) when something is missing or has the wrong shape.
public struct StateDict: Sendable {
    public var tensors: [String: Tensor]
    public let source: URL
    public let format: WeightFormat
    /// The MLP activation named by a Hugging Face `config.json` next to the file; nil when the
    /// file does not say (OpenAI's checkpoints use QuickGELU; OpenCLIP's depend on the model).
    public let activation: CLIPArchitecture.Activation?

    public init(tensors: [String: Tensor], source: URL, format: WeightFormat, activation: CLIPArchitecture.Activation? = nil) {
        self.tensors = tensors
        self.source = source
        self.format = format
        self.activation = activation
    }

    /// Reads a TorchScript archive, a `torch.save` zip or a safetensors file — recognised by its
    /// bytes, not its extension — converting every tensor to float32.
    public static func load(_ url: URL) throws -> StateDict {
        let file = try MappedFile(url)
        var tensors: [String: Tensor]
        let format: WeightFormat
        switch try container(of: file) {
        case .safetensors:
            tensors = try Safetensors.read(file)
            format = .safetensors
        case .zip:
            (tensors, format) = try TorchCheckpoint.read(file)
        }
        var activation: CLIPArchitecture.Activation?
        if HuggingFaceCLIPNames.matches(tensors.keys) {
            tensors = try HuggingFaceCLIPNames.openAINamed(tensors, file: file.name)
            activation = try HuggingFaceConfig.activation(besides: url)
        }
        return StateDict(tensors: tensors, source: url, format: format, activation: activation)
    }

    /// The tensor called `name`, checked against `shape` when one is given.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let tensor = tensors[name] else {
            throw WeightError.missingTensor(file: source.path, name: name, similar: similarNames(to: name))
        }
        if let shape, tensor.shape != shape {
            throw WeightError.shapeMismatch(file: source.path, name: name, expected: shape, actual: tensor.shape)
        }
        return tensor
    }

    /// The tensor called `name`, checked against `shape`, removed and frozen: a model being
    /// built consumes its weights, so what is left afterwards is what it did not use.
    public mutating func take(_ name: String, shape: [Int]) throws -> Tensor {
        let tensor = try self.tensor(name, shape: shape)
        tensors.removeValue(forKey: name)
        tensor.requiresGrad = false
        return tensor
    }

    /// The one-element tensor called `name` (a stored scalar such as `logit_scale`), removed.
    public mutating func takeScalar(_ name: String) throws -> Float {
        let tensor = try self.tensor(name)
        guard tensor.count == 1 else {
            throw WeightError.shapeMismatch(file: source.path, name: name, expected: [], actual: tensor.shape)
        }
        tensors.removeValue(forKey: name)
        return tensor.pointer[0]
    }

    /// Checks that `name` exists with `shape`, before a builder commits to an architecture.
    public func expect(_ name: String, shape: [Int]) throws {
        _ = try tensor(name, shape: shape)
    }

    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// Names starting with `prefix`, sorted ("visual.transformer.resblocks.").
    public func keys(withPrefix prefix: String) -> [String] {
        tensors.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Removes a tensor, e.g. one a builder has consumed, so the rest can be checked for leftovers.
    @discardableResult
    public mutating func remove(_ name: String) -> Tensor? { tensors.removeValue(forKey: name) }

    /// Removes a whole subtree, e.g. the text tower once text embeddings are cached.
    public mutating func removeAll(withPrefix prefix: String) {
        for name in keys(withPrefix: prefix) { tensors.removeValue(forKey: name) }
    }

    /// Up to three names sharing the longest leading part with `name`: typos and off-by-one
    /// layer indices show up next to what the file has.
    private func similarNames(to name: String) -> [String] {
        func sharedLength(_ key: String) -> Int { zip(key, name).prefix { $0.0 == $0.1 }.count }
        let ranked: [(name: String, shared: Int)] = tensors.keys.map { ($0, sharedLength($0)) }.filter { $0.shared > 0 }
        let sorted = ranked.sorted { $0.shared != $1.shared ? $0.shared > $1.shared : $0.name < $1.name }
        return sorted.prefix(3).map { $0.name }
    }

    private enum Container { case zip, safetensors }

    /// What the first bytes are: a zip local header, a safetensors header, or neither.
    private static func container(of file: MappedFile) throws -> Container {
        let bytes = file.bytes
        if bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04 {
            return .zip
        }
        if Safetensors.recognizes(file) { return .safetensors }
        // Before PyTorch 1.6, torch.save wrote bare pickles (protocol 2) followed by raw storages.
        if bytes.count >= 2 && bytes[0] == 0x80 && bytes[1] <= 5 { throw WeightError.legacyTorchSave(file: file.name) }
        throw WeightError.notACheckpoint(file: file.name)
    }
}
