import Foundation

/// The `config.json` that Hugging Face stores next to a `transformers` CLIP checkpoint; only the
/// activation matters here (the architecture is inferred from tensor shapes, as for every format).
enum HuggingFaceConfig {
    private struct Config: Decodable {
        struct Tower: Decodable {
            let hiddenAct: String?
            enum CodingKeys: String, CodingKey { case hiddenAct = "hidden_act" }
        }

        let textConfig: Tower?
        let visionConfig: Tower?
        /// A single tower's config (`CLIPVisionModelWithProjection`) has it at the top level.
        let hiddenAct: String?
        enum CodingKeys: String, CodingKey {
            case textConfig = "text_config"
            case visionConfig = "vision_config"
            case hiddenAct = "hidden_act"
        }
    }

    /// The activation named by `config.json` in the checkpoint's folder; nil when there is no
    /// such file. transformers' default (a config without `hidden_act`) is QuickGELU.
    static func activation(besides checkpoint: URL) throws -> CLIPArchitecture.Activation? {
        let url = checkpoint.deletingLastPathComponent().appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        let config: Config
        do {
            config = try JSONDecoder().decode(Config.self, from: data)
        } catch {
            throw WeightError.malformed(file: url.path, reason: "it is not a valid Hugging Face config (\(error))")
        }
        var names = [config.textConfig, config.visionConfig].compactMap { $0 }
            .map { $0.hiddenAct ?? "quick_gelu" }
        if names.isEmpty, let single = config.hiddenAct { names = [single] }
        guard let first = names.first else { return nil }
        // transformers spells them "quick_gelu" and "gelu".
        let activation: CLIPArchitecture.Activation? = first == "quick_gelu" ? .quickGELU : (first == "gelu" ? .gelu : nil)
        guard let activation, names.allSatisfy({ $0 == first }) else {
            throw WeightError.unsupportedActivation(file: url.path, value: names.joined(separator: " / "))
        }
        return activation
    }
}
