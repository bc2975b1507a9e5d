import Models
import Scene

extension CLIPDraw {
    /// Prepares a run with the model `configuration.model` names, read by `loader` once the
    /// configuration is known to be valid (a bad setting must not cost a model download).
    public convenience init(
        prompt: String, configuration: Configuration, loader: CLIPLoader, seed: UInt64, start: Scene? = nil, style: DrawingStyle? = nil
    ) throws {
        try configuration.validate()
        try self.init(
            prompt: prompt, configuration: configuration, model: try loader.load(configuration.model), seed: seed, start: start,
            style: style)
    }
}
