import Models

extension CLIPstyler.Configuration {
    /// The peak of a CLIPstyler run with `architecture`: the whole model, `viewsPerPass` patches'
    /// activations, every patch of a step at CLIP's resolution, and the U-Net and content
    /// network's activations at the working size (counted as a square of `size`, the most a
    /// photo can need).
    public func memoryEstimate(architecture: CLIPArchitecture) -> MemoryEstimate {
        let resolution = architecture.imageResolution
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.add("CLIP and VGG19 weights", architecture.weightBytes + Self.contentWeightBytes)
        let perPass = min(viewsPerPass, max(1, patches)) + 1
        estimate.add("\(perPass) views per pass through CLIP", perPass * architecture.imageActivationBytes)
        estimate.add("\(patches) patches", 3 * patches * MemoryEstimate.image(resolution) + 4 * patches * MemoryEstimate.image(patchSize))
        estimate.add("U-Net and content features at \(size) px", Self.bytesPerWorkingPixel * size * size)
        return estimate
    }

    /// VGG19's convolutions up to the last content layer (float32).
    static let contentWeightBytes = 80_000_000
    /// The U-Net's maps and the content network's, with their gradients, per working pixel:
    /// from the peak RSS of `iter.clipstyler` (512 px) and `iter.clipstyler.fast` (256 px).
    static let bytesPerWorkingPixel = 6_600
}
