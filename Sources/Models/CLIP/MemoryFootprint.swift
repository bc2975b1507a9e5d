/// How much memory a CLIP model takes, for a run's estimate before it starts (a run that the
/// machine cannot hold is refused with the figure instead of dying half-way).
///
/// The activation figures count what the tape keeps for an input-gradient backward (weights
/// frozen): the inputs of every norm, attention softmax and nonlinearity, the residual stream,
/// plus the backward's transient gradients, per image. The coefficients were checked against
/// peak RSS of the benchmarks (README, Speed): `vitb32.fwdbwd.b8` peaks at 832 MB, the image
/// tower's 351 MB of weights plus about 55 MB per image (this gives 55 MB for ViT-B/32); RN101
/// below.
extension CLIPArchitecture {
    /// Float32 parameters of both towers.
    public var weightBytes: Int {
        4 * parameterShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// Float32 parameters of the image tower alone (what stays after `releaseTextTower()`).
    public var imageTowerWeightBytes: Int {
        4 * parameterShapes.filter { $0.name.hasPrefix("visual.") }.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// Bytes one image keeps alive through the image tower's forward and input-gradient backward.
    public var imageActivationBytes: Int {
        switch vision {
        case .transformer(let width, let layers, let patchSize):
            // Per block: about `tokenMaps` [tokens, width] maps (norm inputs, the MLP's 4x-wide
            // activation, residuals, the backward's gradients) and the attention weights.
            let tokens = (imageResolution / patchSize) * (imageResolution / patchSize) + 1
            let perBlock = Self.tokenMaps * tokens * width + 2 * visionHeads * tokens * tokens
            return 4 * layers * perBlock
        case .resNet(let stageBlocks, let width):
            // The stem's three convolutions at half resolution, then each bottleneck's maps at
            // its stage's resolution (planes, planes, 4 x planes wide, each with its norm and ReLU).
            let half = imageResolution / 2
            var floats = Self.stemMaps * 2 * width * half * half
            for (stage, blocks) in stageBlocks.enumerated() {
                let side = imageResolution / (4 << stage)
                floats += blocks * Self.bottleneckMaps * (width << stage) * side * side
            }
            return 4 * floats
        }
    }

    /// [tokens, width] maps a transformer block keeps per image, backward included.
    static let tokenMaps = 28
    /// [planes, side, side] maps a bottleneck costs per image, backward included. Its stage is
    /// one op on the tape (`frozenBottlenecks`: the stage's output and a bit per ReLU), so this
    /// is mostly the backward's transient gradients and the blocks the allocator keeps. Checked
    /// against `iter.clipasso` (RN101, its 5 copies in one pass): 614-619 MB measured, 640 MB
    /// estimated (66 MB a copy).
    static let bottleneckMaps = 6
    /// [width, side, side] maps of the stem, counted against its widest convolution (recorded
    /// as one op too, `frozenStem`).
    static let stemMaps = 2
}
