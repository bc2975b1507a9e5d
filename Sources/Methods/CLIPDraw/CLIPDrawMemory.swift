import Models

extension CLIPDraw.Configuration {
    /// The peak of a CLIPDraw run with `architecture`: loading the model, or the steps: the image
    /// tower (the text tower is freed once the prompts are encoded), every augmented copy through CLIP in one batch, and the rasterizer's
    /// image, gradient and per-tile path lists at the canvas size. Checked against
    /// `iter.clipdraw` (653 MB peak RSS; this gives 645 MB for the steps, and about 1 GB for
    /// loading a half-precision file into float32).
    public func memoryEstimate(architecture: CLIPArchitecture) -> MemoryEstimate {
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
        return estimate
    }
}
