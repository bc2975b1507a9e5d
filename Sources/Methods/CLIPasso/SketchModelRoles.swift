import Foundation
import Models

/// Which weights serve CLIPasso's two roles: the saliency model (a vision transformer whose
/// attention places the first strokes) and the geometric model (whose feature maps the loss
/// compares). A file the user gives serves every role it can; a model is fetched by name only
/// for a role no given file can serve, and the run says which file serves which role, and why.
public struct SketchModelRoles {
    public var saliency: String
    public var geometric: String
    /// Geometric layers for the geometric model when it is of another kind (ViT or ResNet) than
    /// the preset's: the other recipe's layers (clipasso-fast's ViT block, clipasso's stages).
    public var geometricLayers: [Int]?
    public var notes: [String] = []

    /// - Parameters:
    ///   - saliencyFlag, geometricFlag: `--model` and `--geometric-model` as given.
    ///   - presetSaliency: the preset's saliency model (`--model` left out).
    ///   - isTransformer: whether a weights file is a vision transformer (loads it).
    public init(
        saliencyFlag: String?, geometricFlag: String?, presetSaliency: String, configuration: CLIPasso.Configuration,
        layersGiven: Bool, isTransformer: (String) throws -> Bool
    ) throws {
        func isFile(_ name: String?) -> Bool { name.map { FileManager.default.fileExists(atPath: $0) } ?? false }
        let fileName = { (path: String) in URL(fileURLWithPath: path).lastPathComponent }
        let presetGeometricIsTransformer: Bool = {
            if case .transformer = CLIPArchitecture.known[configuration.geometricModel]?.vision { return true }
            return false
        }()

        // The geometric role: the flag, else a given saliency file, else the preset's model.
        if let geometricFlag {
            geometric = geometricFlag
        } else if let saliencyFlag, isFile(saliencyFlag) {
            geometric = saliencyFlag
            let transformer = try isTransformer(saliencyFlag)
            if transformer != presetGeometricIsTransformer && !layersGiven {
                geometricLayers = try Preset.load(
                    transformer ? "clipasso-fast" : "clipasso", method: "clipasso", as: CLIPasso.Configuration.self
                ).geometricLayers
            }
        } else {
            geometric = configuration.geometricModel
        }

        // The saliency role needs a vision transformer's attention.
        if let saliencyFlag, try !isFile(saliencyFlag) || isTransformer(saliencyFlag) {
            saliency = saliencyFlag
        } else if let geometricFlag, isFile(geometricFlag), try isTransformer(geometricFlag) {
            saliency = geometricFlag
        } else if isFile(geometric), try isTransformer(geometric) {
            saliency = geometric
        } else {
            saliency = presetSaliency
            if let file = [saliencyFlag, geometricFlag].compactMap({ $0 }).first(where: { isFile($0) }), configuration.saliencyInit {
                notes.append(
                    "\(fileName(file)) is a ResNet; placing the first strokes reads a vision transformer's attention, so \(presetSaliency) serves saliency"
                )
            }
        }

        if configuration.saliencyInit, saliency == geometric, isFile(saliency) {
            notes.append(
                "\(fileName(saliency)) serves both roles: saliency and the geometric loss"
                    + (geometricLayers.map { " (layers \($0.map(String.init).joined(separator: ",")))" } ?? ""))
        } else {
            if configuration.saliencyInit, isFile(saliency) { notes.append("\(fileName(saliency)) serves saliency") }
            if isFile(geometric) {
                notes.append(
                    "\(fileName(geometric)) serves the geometric loss"
                        + (geometricLayers.map { " (layers \($0.map(String.init).joined(separator: ",")))" } ?? ""))
            }
        }
    }
}
