import Tensor

/// What the reference does to the U-Net's output when it saves it: clamp to [0, 1], raise the
/// contrast (torchvision's `adjust_contrast`: blend with the mean grey level of the image, then
/// clamp) and let `save_image(normalize=True)` stretch the image's minimum and maximum, over
/// all channels together, to 0 and 1.
struct OutputContrast {
    let factor: Float
    let stretch: Bool

    /// The finished picture of `image` [3, H, W]; a new tensor.
    func apply(_ image: Tensor) -> Tensor {
        precondition(image.rank == 3 && image.shape[0] == 3, "the output contrast takes an RGB image [3, H, W], got \(image.shape)")
        let plane = image.shape[1] * image.shape[2]
        var pixels = image.values.map { min(max($0, 0), 1) }
        // torchvision's grey level: ITU-R 601 luma, averaged over the whole image.
        let luma: [Float] = [0.2989, 0.587, 0.114]
        var grey = 0.0
        for channel in 0..<3 {
            grey += Double(luma[channel]) * pixels[(channel * plane)..<((channel + 1) * plane)].reduce(0.0) { $0 + Double($1) }
        }
        let mean = Float(grey / Double(plane))
        for i in pixels.indices { pixels[i] = min(max(factor * pixels[i] + (1 - factor) * mean, 0), 1) }
        if stretch, let low = pixels.min(), let high = pixels.max() {
            // save_image adds 1e-5 to the range, so a flat image maps to 0 rather than dividing by 0.
            let scale = 1 / (high - low + 1e-5)
            for i in pixels.indices { pixels[i] = (pixels[i] - low) * scale }
        }
        return Tensor(shape: image.shape, values: pixels)
    }
}
