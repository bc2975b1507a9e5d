import Foundation

/// Where a download's progress goes while a model is fetched (the CLI draws a bar on stderr).
public protocol DownloadProgressReporter: AnyObject {
    /// Bytes written so far, and the total when the server said it.
    func update(_ written: Int64, _ total: Int64?)
    func finish()
}

/// The one way a `--model NAME|PATH` argument becomes a model, as open_clip's `create_model`
/// does it: the store resolves the name or path to a file (downloading a known model when
/// allowed), the file is read into a state dict, the architecture is inferred from its shapes
/// with the activation chosen here, and the model is built.
public struct CLIPLoader {
    /// The MLP activation to build with; `nil` takes the file's own (a Hugging Face
    /// `config.json` beside it), else OpenAI's QuickGELU.
    public var activation: CLIPArchitecture.Activation?
    public var allowDownload: Bool
    public var store: ModelStore
    /// Called with the model's name before it is resolved; what it returns hears of a download.
    public var progress: (String) -> (any DownloadProgressReporter)?

    public init(
        activation: CLIPArchitecture.Activation? = nil, allowDownload: Bool = true, store: ModelStore = ModelStore(),
        progress: @escaping (String) -> (any DownloadProgressReporter)? = { _ in nil }
    ) {
        self.activation = activation
        self.allowDownload = allowDownload
        self.store = store
        self.progress = progress
    }

    /// The model `nameOrPath` names: a known model (see `KnownModel.all`) or a weights file.
    public func load(_ nameOrPath: String) throws -> CLIPModel {
        let reporter = progress(nameOrPath)
        let file = try store.resolve(nameOrPath, allowDownload: allowDownload) { written, total in reporter?.update(written, total) }
        reporter?.finish()
        let weights = try StateDict.load(file)
        return try CLIPModel(weights: weights, activation: activation ?? weights.activation ?? .quickGELU)
    }

}
