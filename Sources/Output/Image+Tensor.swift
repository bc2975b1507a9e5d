import Tensor

extension Image {
    /// The pixels as a [channels, height, width] tensor (the layouts agree, so this is one copy).
    public var tensor: Tensor {
        Tensor(shape: [channels, height, width], values: pixels)
    }
}
