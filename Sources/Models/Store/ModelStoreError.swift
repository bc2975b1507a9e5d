import Foundation

public enum ModelStoreError: Error, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case notDownloaded(KnownModel, expectedAt: URL)
    case downloadFailed(KnownModel, reason: String, expectedAt: URL)

    public var description: String {
        switch self {
        case .unknownModel(let text, let known):
            return "\"\(text)\" is neither a weights file nor a known model (known: \(known.joined(separator: ", ")))"
        case .notDownloaded(let model, let destination):
            return
                "\(model.name) is not downloaded yet; run `clipcanvas models pull \(model.name)`, or place \(model.fileName) from \(model.url) at \(destination.path)"
        case .downloadFailed(let model, let reason, let destination):
            return
                "could not download \(model.name) (\(reason)); fetch \(model.url) on a machine with network access and place it at \(destination.path)"
        }
    }
}
