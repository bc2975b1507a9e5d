import Models

extension CLIPDraw.Configuration {
    /// The peak of a CLIPDraw run with `architecture`: loading the model, or the steps: the image
    /// tower (the text tower is freed once the prompts are encoded), every augmented copy through CLIP in one batch, and the rasterizer's
    /// image, gradient and per-tile path lists at the canvas size. Checked against
    /// `iter.clipdraw` (653 MB peak RSS; this gives 645 MB for the steps, and about 1 GB for
    /// loading a half-precision file into float32).
    ///
    /// With `style`, also VGG16's convolutions (14.7 M float32), their activations and gradients
    /// on the render (about 1,100 floats per pixel over the 13 layers), and the style loss's cost
    /// matrices (1024 x 5000, a few of them). Reading torchvision's whole VGG16 file (553 MB
    /// as float32, the classifier included) happens before CLIP is loaded and is freed then.
    public func memoryEstimate(architecture: CLIPArchitecture, style: Bool = false) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.addLoading(architecture)
        estimate.add("CLIP image tower", architecture.imageTowerWeightBytes)
        estimate.add(
            "\(augmentations) views through CLIP",
            augmentations * (architecture.imageActivationBytes + 3 * MemoryEstimate.image(architecture.imageResolution)))
        // Colour, coverage and their gradients per pixel, and each stroke's segments in the tiles
        // it touches.
        estimate.add("rasterizer at \(canvas) px", 8 * MemoryEstimate.image(canvas) + paths * maxSegments * 4096)
        if style {
            estimate.add("VGG16 on the render", 14_714_688 * 4 + canvas * canvas * 4 * 1_100)
            estimate.add("style loss", 6 * 1024 * 5000 * 4)
        }
        return estimate
    }
}
