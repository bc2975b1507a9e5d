import Foundation
import Models

/// Which network CLIPstyler compares content with: VGG19 from a file the user names, else
/// torchvision's VGG19 where `torchvision.models.vgg19(pretrained=True)` left it, else the CLIP
/// substitute. We never download VGG19 (548 MB for two layers' worth of use).
extension ContentNetwork {
    /// `--content-model clip`: use the CLIP substitute even where VGG19 is on the machine.
    public static let clipKeyword = "clip"

    /// torchvision's file name for its ImageNet VGG19 weights.
    public static let torchvisionFile = "vgg19-dcbb9e9d.pth"

    /// The content network `option` names: a weights file, `clip`, or nil to look in the cache.
    public static func load(_ option: String?) throws -> ContentNetwork {
        if option?.lowercased() == clipKeyword { return .clipFeatures }
        guard let path = option ?? cachedTorchvisionWeights() else { return .clipFeatures }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MethodError("cannot read the VGG19 weights \(path); give torchvision's \(torchvisionFile), or --content-model clip")
        }
        do {
            let weights = try StateDict.load(URL(fileURLWithPath: path))
            try weights.checkFinite()
            return .vgg19(try VGG19Features(weights: weights))
        } catch let error as NonFiniteWeightError {
            throw error
        } catch {
            throw MethodError(
                "\(path) is not usable as VGG19 content weights (\(error)); give torchvision's \(torchvisionFile), or --content-model clip")
        }
    }

    /// torch.hub's checkpoint folder, as torch resolves it: $TORCH_HOME, else
    /// $XDG_CACHE_HOME/torch, else ~/.cache/torch; then hub/checkpoints.
    public static func cachedTorchvisionWeights() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let torchHome =
            environment["TORCH_HOME"]
            ?? ((environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")) as NSString)
            .appendingPathComponent("torch")
        let path = ((torchHome as NSString).appendingPathComponent("hub/checkpoints") as NSString).appendingPathComponent(torchvisionFile)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
