import Tensor

extension Image {
    /// The pixels as a [channels, height, width] tensor (the layouts agree, so this is one copy).
    public var tensor: Tensor {
        Tensor(shape: [channels, height, width], values: pixels)
    }

    /// An image from a [channels, height, width] tensor, values clamped to [0, 1].
    public init(tensor: Tensor) {
        precondition(tensor.rank == 3 && (1...4).contains(tensor.shape[0]), "an image tensor is [1-4, H, W], got \(tensor.shape)")
        self.init(width: tensor.shape[2], height: tensor.shape[1], channels: tensor.shape[0], pixels: tensor.values.map { min(max($0, 0), 1) })
    }
}
