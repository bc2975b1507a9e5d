import Foundation
import Models

/// StyleCLIPDraw's VGG16: from a file the user names, else torchvision's VGG16 where
/// `torchvision.models.vgg16(pretrained=True)` left it. There is no substitute: without the
/// weights `draw --style` stops and says which file to put where. We never download it (528 MB).
extension VGG16Features {
    /// torchvision's file name for its ImageNet VGG16 weights.
    public static let torchvisionFile = "vgg16-397923af.pth"

    /// The network in the file `path`, or torchvision's file in the torch hub cache when nil.
    public static func load(_ path: String?) throws -> VGG16Features {
        guard let path = path ?? TorchHubCache.checkpoint(named: torchvisionFile) else {
            throw MethodError(
                "--style needs torchvision's VGG16 weights: put \(torchvisionFile) in \(TorchHubCache.checkpointFolder) (where torchvision.models.vgg16(pretrained=True) saves it), or give --style-model PATH"
            )
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MethodError("cannot read the VGG16 weights \(path); give torchvision's \(torchvisionFile) with --style-model PATH")
        }
        do {
            let weights = try StateDict.load(URL(fileURLWithPath: path))
            try weights.checkFinite()
            return try VGG16Features(weights: weights)
        } catch let error as NonFiniteWeightError {
            throw error
        } catch {
            throw MethodError("\(path) is not usable as VGG16 weights (\(error)); give torchvision's \(torchvisionFile)")
        }
    }
}
