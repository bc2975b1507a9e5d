import Models

extension CLIPDraw.Configuration {
    /// The peak of a CLIPDraw run with `architecture`: the whole model (prompts are encoded once,
    /// the text tower stays), every augmented copy through CLIP in one batch, and the rasterizer's
    /// image, gradient and per-tile path lists at the canvas size.
    public func memoryEstimate(architecture: CLIPArchitecture) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.add("CLIP weights", architecture.weightBytes)
        estimate.add("\(augmentations) views through CLIP", augmentations * (architecture.imageActivationBytes + 3 * MemoryEstimate.image(architecture.imageResolution)))
        // Colour, coverage and their gradients per pixel, and each stroke's segments in the tiles
        // it touches.
        estimate.add("rasterizer at \(canvas) px", 8 * MemoryEstimate.image(canvas) + paths * maxSegments * 4096)
        return estimate
    }
}
