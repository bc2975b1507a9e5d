/// Problems using a set of weights as a CLIP model, or a model for a request, each with a
/// message a user can act on. A missing or mis-shaped tensor is a `WeightError` (`StateDict`'s
/// checked look-up), whichever model is being built.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unrecognisedArchitecture(String)
    /// An empty prompt: CLIP would still embed it, and a run would optimise towards nothing.
    case emptyPrompt
    case textTowerReleased
    case unreadableVocabulary(String)

    public var description: String {
        switch self {
        case .unrecognisedArchitecture(let detail):
            return "cannot tell which CLIP architecture these weights are: \(detail)"
        case .emptyPrompt:
            return "the prompt is empty; describe what to make, e.g. \"a watercolor painting of a lighthouse\""
        case .textTowerReleased:
            return "the model's text tower was already released; encode prompts before releasing it"
        case .unreadableVocabulary(let detail):
            return "cannot read CLIP's vocabulary: \(detail)"
        }
    }
}
