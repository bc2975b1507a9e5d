import Models

extension CLIPasso.Configuration {
    /// The peak of a CLIPasso run with `geometric` as its geometric model (the saliency model is
    /// freed before that one is loaded): the model, `viewsPerPass` sketch copies' activations,
    /// the photo's augmented copies' features (forward only), and every run's strokes.
    public func memoryEstimate(geometric: CLIPArchitecture, runs: Int = 1) -> MemoryEstimate {
        let copies = 1 + augmentations
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.add("CLIP weights", geometric.weightBytes)
        estimate.add("\(min(viewsPerPass, copies)) sketch copies per pass", min(viewsPerPass, copies) * geometric.imageActivationBytes)
        estimate.add("\(copies) photo copies", copies * (geometric.imageActivationBytes / 4 + 3 * MemoryEstimate.image(geometric.imageResolution)))
        estimate.add("\(runs) runs of \(strokes) strokes", runs * (strokes * 64 * 1024 + 8 * MemoryEstimate.image(geometric.imageResolution)))
        return estimate
    }
}
