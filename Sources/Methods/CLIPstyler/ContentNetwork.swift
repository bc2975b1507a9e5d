import Models
import Tensor

/// The frozen network whose feature maps CLIPstyler's content loss compares between the photo
/// and the output: torchvision's VGG19 as in the reference, or, when its weights are not on the
/// machine, a substitute built from the CLIP model the run already has.
public enum ContentNetwork {
    /// relu4_2 and relu5_2 of VGG19 (the reference's content layers).
    case vgg19(VGG19Features)
    /// Early feature maps of the run's CLIP image tower (see `CLIPContentFeatures`).
    case clipFeatures
}

/// Feature maps of an image [1, 3, H, W] in [0, 1], differentiable with respect to the image.
protocol ContentFeatureSource {
    /// Which network and layers, for the run's notes.
    var description: String { get }
    func features(_ image: Tensor) -> [Tensor]
}

struct VGGContentFeatures: ContentFeatureSource {
    let network: VGG19Features

    var description: String { "VGG19 relu4_2 and relu5_2" }

    func features(_ image: Tensor) -> [Tensor] {
        let output = network(image)
        return [output.relu4_2, output.relu5_2]
    }
}
