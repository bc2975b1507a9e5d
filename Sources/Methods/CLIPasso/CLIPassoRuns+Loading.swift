import Models
import Tensor

extension CLIPassoRuns {
    /// Prepares every run on `photo` [3, H, W] in [0, 1] (`mask` [H, W] in [0, 1], 1 on the
    /// object): the photo is checked before any model is read; the saliency model
    /// (`configuration.model`) is loaded, used and freed before the geometric one, so a run holds
    /// one model at a time; a geometric weights file of unknown resolution is loaded first, since
    /// the photo is prepared at that resolution. `note` hears each stage that takes seconds.
    public convenience init(
        photo: Tensor, mask: Tensor?, configuration: CLIPasso.Configuration, levels: [Int]? = nil, loader: CLIPLoader, seed: UInt64,
        note: (String) -> Void = { _ in }
    ) throws {
        try configuration.validate()
        precondition(photo.rank == 3 && photo.shape[0] == 3, "the photo must be RGB [3, H, W], got \(photo.shape)")
        try TargetPreparation.check(
            width: photo.shape[2], height: photo.shape[1], mask: mask.map { (width: $0.shape[1], height: $0.shape[0]) })
        let preloaded: CLIPModel?
        let size: Int
        if let known = CLIPArchitecture.known[configuration.geometricModel] {
            (preloaded, size) = (nil, known.imageResolution)
        } else {
            let model = try loader.load(configuration.geometricModel)
            (preloaded, size) = (model, model.imageResolution)
        }
        let prepared = try TargetPreparation.prepare(
            photo: photo, mask: mask, size: size, pad: configuration.pad, padMargin: configuration.padMargin)
        var saliency: SketchSaliency?
        if configuration.saliencyInit {
            let model = try loader.load(configuration.model)
            note("finding where \(configuration.model) looks (attention and edges)…")
            saliency = try SketchSaliency(
                photo: prepared, model: model, modelName: configuration.model, edgeIntersection: configuration.edgeIntersection)
        }
        let geometric = try preloaded ?? loader.load(configuration.geometricModel)
        geometric.releaseTextTower()
        note("computing the photo's features…")
        let target = try SketchTarget(photo: prepared, configuration: configuration, geometricModel: geometric, saliency: saliency)
        try self.init(target: target, configuration: configuration, levels: levels, seed: seed)
    }
}
