import Models
import Tensor

extension CLIPstyler {
    /// Prepares a run on `photo` [3, H, W] in [0, 1]: the content network `contentModel` names
    /// (see `ContentNetwork.load`), then the CLIP model `configuration.model` names, read by
    /// `loader` once the configuration is known to be valid.
    public convenience init(
        photo: Tensor, style: String, configuration: Configuration, loader: CLIPLoader, contentModel: String?, seed: UInt64
    ) throws {
        try configuration.validate()
        let contentNetwork = try ContentNetwork.load(contentModel)
        try self.init(
            photo: photo, style: style, configuration: configuration, model: try loader.load(configuration.model),
            contentNetwork: contentNetwork, seed: seed)
    }
}
