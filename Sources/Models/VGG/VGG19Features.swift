import Tensor

/// torchvision's VGG19 `features` run as far as CLIPstyler's content loss reads it, with frozen
/// weights.
///
/// The reference (`utils.get_features` in cyclomon/CLIPstyler) stores the outputs of
/// `features[21]` as "conv4_2" and `features[31]` as "conv5_2". Index 31 is the ReLU after conv5_2
/// (index 30), and torchvision's ReLUs are in place, so the tensor stored at index 21 is rectified
/// by index 22 before the loss reads it: both layers are compared after their ReLU, and so are
/// ours (`relu4_2`, `relu5_2`).
public struct VGG19Features {
    /// The reference's two content layers for one batch of images.
    public struct Output {
        /// [N, 512, H/8, W/8]
        public let relu4_2: Tensor
        /// [N, 512, H/16, W/16]
        public let relu5_2: Tensor
    }

    /// ImageNet's statistics, which torchvision's VGG weights were trained on.
    public static let imageMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageStd: [Float] = [0.229, 0.224, 0.225]

    /// torchvision's configuration "E" up to conv5_2.
    static let layout: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512]
    /// `features` indices of the ReLUs after conv4_2 and conv5_2.
    private static let taps = [22, 31]

    private let network: VGGConvolutions

    /// Takes `features.N.weight` and `features.N.bias` from torchvision's state dict
    /// (`vgg19-dcbb9e9d.pth`; other keys are ignored). Throws `WeightError.missingTensor` or
    /// `.shapeMismatch` naming the file and the first tensor that is missing or mis-shaped.
    public init(weights: StateDict) throws {
        network = try VGGConvolutions(layout: Self.layout, weights: weights)
    }

    /// The content features of `images` [N, 3, H, W] in [0, 1], normalised with ImageNet's
    /// statistics first as the reference does; differentiable with respect to the images.
    public func callAsFunction(_ images: Tensor) -> Output {
        precondition(images.rank == 4 && images.shape[1] == 3, "VGG19 takes images [N, 3, H, W], got \(images.shape)")
        precondition(
            images.shape[2] >= 16 && images.shape[3] >= 16, "VGG19 needs images of at least 16x16 for conv5_2, got \(images.shape)")
        let features = network(imageNetNormalized(images), taps: Self.taps)
        return Output(relu4_2: features[0], relu5_2: features[1])
    }
}

/// `images` in [0, 1] standardised with ImageNet's statistics, as torchvision's VGG weights expect.
public func imageNetNormalized(_ images: Tensor) -> Tensor {
    let mean = Tensor(shape: [1, 3, 1, 1], values: VGG19Features.imageMean)
    let std = Tensor(shape: [1, 3, 1, 1], values: VGG19Features.imageStd)
    return (images - mean) / std
}
