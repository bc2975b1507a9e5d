import Tensor

extension Image {
    /// The pixels as a [channels, height, width] tensor (the layouts agree, so this is one copy).
    public var tensor: Tensor {
        Tensor(shape: [channels, height, width], values: pixels)
    }

    /// An image of a [channels, height, width] tensor's values (a method's result).
    public init(tensor: Tensor) {
        precondition(tensor.rank == 3, "an image tensor is [channels, height, width], got \(tensor.shape)")
        self.init(width: tensor.shape[2], height: tensor.shape[1], channels: tensor.shape[0], pixels: tensor.values)
    }
}
