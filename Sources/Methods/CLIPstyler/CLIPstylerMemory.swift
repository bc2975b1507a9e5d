import Models

extension CLIPstyler.Configuration {
    /// The peak of a CLIPstyler run with `architecture`: loading the model, or the steps: the
    /// image tower, `viewsPerPass` patches'
    /// activations, every patch of a step at CLIP's resolution, and the U-Net and content
    /// network's activations at the working size (counted as a square of `size`, the most a
    /// photo can need).
    public func memoryEstimate(architecture: CLIPArchitecture) -> MemoryEstimate {
        let resolution = architecture.imageResolution
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.addLoading(architecture)
        estimate.add("CLIP image tower and VGG19", architecture.imageTowerWeightBytes + Self.contentWeightBytes)
        // The global view goes through CLIP before the patches, not beside them.
        let perPass = min(viewsPerPass, max(1, patches))
        estimate.add("\(perPass) views per pass through CLIP", perPass * architecture.imageActivationBytes)
        estimate.add("\(patches) patches", 3 * patches * MemoryEstimate.image(resolution) + 4 * patches * MemoryEstimate.image(patchSize))
        estimate.add("U-Net and content features at \(size) px", Self.bytesPerWorkingPixel * size * size)
        return estimate
    }

    /// VGG19's convolutions up to the last content layer (float32).
    static let contentWeightBytes = 80_000_000
    /// The U-Net's maps and the content network's, with their gradients, per working pixel:
    /// fitted to the peak RSS of `iter.clipstyler` (512 px: 2.4 GB, this gives 2.34 GB) and
    /// `iter.clipstyler.fast` (256 px: 1.12 GB, this gives 1.27 GB).
    static let bytesPerWorkingPixel = 4_700
}
