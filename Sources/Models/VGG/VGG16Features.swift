import Tensor

/// torchvision's VGG16 `features` (configuration "D") read out as StyleCLIPDraw's
/// `Vgg16_Extractor` reads it, with frozen weights: the ReLU outputs at `features` indices
/// 1, 3, 6, 8, 11, 13, 15, 22 and 29 (relu1_1, relu1_2, relu2_1, relu2_2, relu3_1, relu3_2,
/// relu3_3, relu4_3, relu5_3), the layers whose columns make STROTSS's hypercolumns.
public struct VGG16Features {
    /// torchvision's configuration "D" up to conv5_3.
    static let layout: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512]
    /// The reference's `capture_layers`.
    public static let taps = [1, 3, 6, 8, 11, 13, 15, 22, 29]
    /// Channels of each tapped layer.
    public static let tapChannels = [64, 64, 128, 128, 256, 256, 256, 512, 512]

    private let network: VGGConvolutions

    /// Takes `features.N.weight` and `features.N.bias` from torchvision's state dict
    /// (`vgg16-397923af.pth`; other keys are ignored). Throws `WeightError.missingTensor` or
    /// `.shapeMismatch` naming the file and the first tensor that is missing or mis-shaped.
    public init(weights: StateDict) throws {
        network = try VGGConvolutions(layout: Self.layout, weights: weights)
    }

    /// The tapped layers for `images` [N, 3, H, W] that the caller has already normalised, in
    /// `taps` order; differentiable with respect to the images. H and W of at least 16 keep
    /// relu5_3 non-empty.
    public func callAsFunction(normalized images: Tensor) -> [Tensor] {
        precondition(images.rank == 4 && images.shape[1] == 3, "VGG16 takes images [N, 3, H, W], got \(images.shape)")
        precondition(
            images.shape[2] >= 16 && images.shape[3] >= 16, "VGG16 needs images of at least 16x16 for relu5_3, got \(images.shape)")
        return network(images, taps: Self.taps)
    }
}
