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

    /// torchvision's VGG19 in torch.hub's checkpoint folder, if it is there.
    public static func cachedTorchvisionWeights() -> String? {
        TorchHubCache.checkpoint(named: torchvisionFile)
    }
}
