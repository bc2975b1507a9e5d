import Tensor

/// Resizing to the CLIP model's input resolution, as torchvision's `Resize(size)` on tensors with
/// antialias=False: an integer size sets the SHORTER side and keeps the aspect ratio (the longer
/// side truncated, as `int(size * long / short)`); an image already of that size is returned as
/// it is. For an explicit height and width call `Tensor.resize` directly.
public func resizeShorterSide(_ images: Tensor, to size: Int, mode: ResizeMode = .bilinear) -> Tensor {
    precondition(images.rank == 4, "resizeShorterSide expects images [N, C, H, W], got \(images.shape)")
    precondition(size > 0, "resize to \(size)")
    let height = images.shape[2], width = images.shape[3]
    let (newHeight, newWidth) = shorterSideSize(height: height, width: width, to: size)
    guard newHeight != height || newWidth != width else { return images }
    return resize(images, height: newHeight, width: newWidth, mode: mode)
}

/// The output size of `resizeShorterSide` for a height x width image.
public func shorterSideSize(height: Int, width: Int, to size: Int) -> (height: Int, width: Int) {
    let newLong = Int(Double(size) * Double(max(height, width)) / Double(min(height, width)))
    return height <= width ? (size, newLong) : (newLong, size)
}
