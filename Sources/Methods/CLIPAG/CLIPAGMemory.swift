import Models

extension CLIPAG.Configuration {
    /// The peak of a CLIPAG run with `architecture`: loading the model, or the steps: the image
    /// tower, `viewsPerPass` views'
    /// activations, every view and patch of a step (and their gradients) at CLIP's resolution,
    /// the global views at the image size before resizing, and the image with Adam's moments.
    public func memoryEstimate(architecture: CLIPArchitecture) -> MemoryEstimate {
        let resolution = architecture.imageResolution
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.addLoading(architecture)
        estimate.add("CLIP image tower", architecture.imageTowerWeightBytes)
        let views = globalViews + patchCount
        estimate.add(
            "\(min(viewsPerPass, views)) views per pass through CLIP", min(viewsPerPass, views) * architecture.imageActivationBytes)
        estimate.add(
            "\(views) views and patches",
            2 * views * MemoryEstimate.image(resolution) + 2 * globalViews * MemoryEstimate.image(size))
        estimate.add("image and optimiser", 8 * MemoryEstimate.image(size) + initCandidates * MemoryEstimate.image(resolution))
        return estimate
    }
}
