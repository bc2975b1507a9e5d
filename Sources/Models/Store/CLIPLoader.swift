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
    /// The arithmetic of the image tower's linear layers (`--precision`).
    public var precision = CLIPPrecision.fp32
    public var allowDownload: Bool
    public var store: ModelStore
    /// Called with the model's name before it is resolved; what it returns hears of a download.
    public var progress: (String) -> (any DownloadProgressReporter)?
    /// Models already in memory, by the name or path that asked for them: `load` returns these
    /// without reading the file again (a caller that had to look inside a file keeps it here).
    public var preloaded: [String: CLIPModel] = [:]
    /// Models the process keeps between runs (`clipcanvas batch`): a model found there is not
    /// read again, and one read here is kept there.
    public var cache: CLIPModelCache?
    /// Hears what is happening while a file is read (loading takes seconds): the file and its size.
    public var note: (String) -> Void = { _ in }
    /// Sees each model as soon as it is built, with the name or path that asked for it, before a
    /// method encodes its prompts and releases the text tower (the command line checks there that
    /// the run fits in memory and whether it was asked to stop, and embeds the `--watch` labels).
    public var inspect: (_ nameOrPath: String, _ model: CLIPModel) throws -> Void = { _, _ in }

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
        if let model = preloaded[nameOrPath] { return model }
        if let model = cache?.model(nameOrPath, activation: activation, precision: precision) {
            note("using \(nameOrPath), already loaded by this process")
            try inspect(nameOrPath, model)
            return model
        }
        let reporter = progress(nameOrPath)
        let file = try store.resolve(nameOrPath, allowDownload: allowDownload) { written, total in reporter?.update(written, total) }
        reporter?.finish()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        note(
            "loading \(nameOrPath)" + (nameOrPath == file.path ? "" : " from \(file.path)")
                + (bytes.map { String(format: " (%.0f MB)", Double($0) / 1e6) } ?? "") + "…")
        let weights = try StateDict.load(file)
        try weights.checkFinite()
        let model = try CLIPModel(weights: weights, activation: activation ?? weights.activation ?? .quickGELU)
        try model.use(precision)
        cache?.keep(model, for: nameOrPath, activation: activation, precision: precision)
        try inspect(nameOrPath, model)
        return model
    }
}
