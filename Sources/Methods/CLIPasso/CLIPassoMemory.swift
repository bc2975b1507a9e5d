import Models

extension CLIPasso.Configuration {
    /// The peak of a CLIPasso run with `geometric` as its geometric model (the saliency model is
    /// freed before that one is loaded): the model, `viewsPerPass` sketch copies' activations,
    /// the photo's augmented copies' features (forward only), and every run's strokes. Checked
    /// against `iter.clipasso` (RN101, its 5 copies in one pass: 614-619 MB, the steps' part of
    /// this gives 643 MB; loading the file needs more) and `iter.clipasso.fast`
    /// (ViT-B/32: 702 MB, this gives 714 MB for the steps; loading the file needs more).
    public func memoryEstimate(geometric: CLIPArchitecture, runs: Int = 1) -> MemoryEstimate {
        let copies = 1 + augmentations
        var estimate = MemoryEstimate()
        estimate.add("runtime", MemoryEstimate.runtimeBytes)
        estimate.addLoading(geometric)
        estimate.add("CLIP image tower", geometric.imageTowerWeightBytes)
        estimate.add("\(min(viewsPerPass, copies)) sketch copies per pass", min(viewsPerPass, copies) * geometric.imageActivationBytes)
        // The photo's copies go forward without a tape: one copy's maps at a time, and the
        // compared feature maps of all.
        estimate.add(
            "\(copies) photo copies", geometric.imageActivationBytes / 4 + copies * 3 * MemoryEstimate.image(geometric.imageResolution))
        // Each run keeps its strokes, their Adam moments and its best sketch (about a kilobyte a
        // stroke with the scene's bookkeeping), plus its own small buffers.
        estimate.add("\(runs) runs of \(strokes) strokes", runs * (strokes * 1024 + 64 * 1024))
        return estimate
    }
}
