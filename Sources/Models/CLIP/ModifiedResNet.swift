import Tensor

/// OpenAI's modified ResNet: a 3-conv stem with average pooling, bottleneck stages whose strided
/// blocks down-sample by average pooling (anti-aliasing), and attention pooling instead of a
/// global average.
final class ModifiedResNet {
    /// A convolution followed by its (frozen, inference-form) batch norm, fused with what follows
    /// it (the ReLU, the bottleneck's sum) inside the stem's and the stages' ops (`frozenStem`,
    /// `frozenBottlenecks`).
    ///
    /// Folding the norm into the convolution would save a pass, but we measured it making the
    /// input gradient of RN101 five times less accurate against a float64 reference (relative L2
    /// error 3.0e-3 folded, 4.1e-4 unfolded; PyTorch float32 itself: 6.1e-4): keep the
    /// reference's order of operations.
    static func normalizedConvolution(
        _ weights: inout StateDict, conv: String, norm: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1
    ) throws -> FrozenNormalizedConvolution {
        FrozenNormalizedConvolution(
            weight: FrozenConvolutionWeight(try weights.take("\(conv).weight", shape: [outChannels, inChannels, kernel, kernel])),
            mean: try weights.take("\(norm).running_mean", shape: [outChannels]),
            variance: try weights.take("\(norm).running_var", shape: [outChannels]),
            gamma: try weights.take("\(norm).weight", shape: [outChannels]),
            beta: try weights.take("\(norm).bias", shape: [outChannels]), stride: stride, padding: kernel / 2)
    }

    /// Bottleneck `prefix` (e.g. `visual.layer2.0`); a stage runs its blocks as one op
    /// (`frozenBottlenecks`).
    static func bottleneck(_ weights: inout StateDict, prefix: String, inChannels: Int, planes: Int, stride: Int) throws
        -> FrozenBottleneck
    {
        FrozenBottleneck(
            reduce: try normalizedConvolution(
                &weights, conv: "\(prefix).conv1", norm: "\(prefix).bn1", inChannels: inChannels, outChannels: planes, kernel: 1),
            spatial: try normalizedConvolution(
                &weights, conv: "\(prefix).conv2", norm: "\(prefix).bn2", inChannels: planes, outChannels: planes, kernel: 3),
            expand: try normalizedConvolution(
                &weights, conv: "\(prefix).conv3", norm: "\(prefix).bn3", inChannels: planes, outChannels: planes * 4, kernel: 1),
            downsample: stride > 1 || inChannels != planes * 4
                ? try normalizedConvolution(
                    &weights, conv: "\(prefix).downsample.0", norm: "\(prefix).downsample.1", inChannels: inChannels,
                    outChannels: planes * 4, kernel: 1)
                : nil,
            stride: stride)
    }

    let stem: [FrozenNormalizedConvolution]
    let stages: [[FrozenBottleneck]]
    let poolPositions: Tensor
    let query: FrozenLinear, key: FrozenLinear, value: FrozenLinear, output: FrozenLinear
    let heads: Int
    let poolWidth: Int

    init(_ weights: inout StateDict, architecture: CLIPArchitecture, stageBlocks: [Int], width: Int) throws {
        stem = [
            try Self.normalizedConvolution(
                &weights, conv: "visual.conv1", norm: "visual.bn1", inChannels: 3, outChannels: width / 2, kernel: 3, stride: 2),
            try Self.normalizedConvolution(
                &weights, conv: "visual.conv2", norm: "visual.bn2", inChannels: width / 2, outChannels: width / 2, kernel: 3),
            try Self.normalizedConvolution(
                &weights, conv: "visual.conv3", norm: "visual.bn3", inChannels: width / 2, outChannels: width, kernel: 3),
        ]
        var inChannels = width
        var stages: [[FrozenBottleneck]] = []
        for (stage, blocks) in stageBlocks.enumerated() {
            let planes = width << stage
            var stageBlocks: [FrozenBottleneck] = []
            for index in 0..<blocks {
                let stride = (index == 0 && stage > 0) ? 2 : 1
                stageBlocks.append(
                    try Self.bottleneck(
                        &weights, prefix: "visual.layer\(stage + 1).\(index)", inChannels: inChannels, planes: planes, stride: stride))
                inChannels = planes * 4
            }
            stages.append(stageBlocks)
        }
        self.stages = stages
        poolWidth = width * 32
        heads = architecture.visionHeads
        let grid = architecture.imageResolution / 32
        poolPositions = try weights.take("visual.attnpool.positional_embedding", shape: [grid * grid + 1, poolWidth])
        let inputs = poolWidth
        func pooling(_ name: String, outputs: Int) throws -> FrozenLinear {
            FrozenLinear(
                weight: try weights.take("visual.attnpool.\(name).weight", shape: [outputs, inputs]),
                bias: try weights.take("visual.attnpool.\(name).bias", shape: [outputs]))
        }
        query = try pooling("q_proj", outputs: poolWidth)
        key = try pooling("k_proj", outputs: poolWidth)
        value = try pooling("v_proj", outputs: poolWidth)
        output = try pooling("c_proj", outputs: architecture.embedDimension)
    }

    /// Runs the convolutions and the attention pool's linear layers in `precision`. bf16 runs
    /// the pool in bf16 and the convolutions through oneDNN's bf16 kernels where no gradient
    /// follows their forward (see `conv2dBFloat16`). int8 leaves both in float32: the pool's inputs are the un-normalised layer4 features,
    /// whose few large channels set each row's int8 scale and leave the rest coarse. Measured
    /// (PrecisionTests), the int8 pool's forward turned the input gradient to a cosine of 0.956
    /// with float32's on the sample photos; bf16's keeps 0.997.
    func use(_ precision: CLIPPrecision) {
        for layer in [query, key, value, output] { layer.use(precision == .int8 ? .fp32 : precision) }
        let arithmetic: ConvolutionArithmetic = precision == .bf16 ? .bf16 : .fp32
        for convolution in allConvolutions { convolution.arithmetic = arithmetic }
    }

    private var allConvolutions: [FrozenNormalizedConvolution] {
        stem + stages.joined().flatMap { [$0.reduce, $0.spatial, $0.expand] + ($0.downsample.map { [$0] } ?? []) }
    }

    func callAsFunction(_ images: Tensor, capture: VisionCapture) -> VisionFeatures {
        var features = VisionFeatures()
        var x = images
        x = frozenStem(x, stem, averagePool: 2)
        if capture.stages { features.stages.append(x) }
        let stagesNeeded = capture.stageLimit.map { min($0, stages.count) } ?? stages.count
        for stage in stages.prefix(stagesNeeded) {
            x = frozenBottlenecks(x, stage)
            if capture.stages { features.stages.append(x) }
        }
        guard stagesNeeded == stages.count else { return features }
        features.embedding = attentionPool(x)
        return features
    }

    /// Attention pooling: the mean token, prepended to the spatial tokens, queries all of them.
    private func attentionPool(_ x: Tensor) -> Tensor {
        let batch = x.shape[0], channels = x.shape[1], spatial = x.shape[2] * x.shape[3]
        let tokens = x.reshaped([batch, channels, spatial]).permuted([0, 2, 1])
        let meanToken = tokens.mean(axes: [1], keepDims: true)
        let sequence = concat([meanToken, tokens], axis: 1) + poolPositions
        let queries = query(sequence.slice(axis: 1, start: 0, length: 1))
        let keys = key(sequence)
        let values = value(sequence)
        let pooled = attention(query: queries, key: keys, value: values, heads: heads).output
        return output(pooled.reshaped([batch, poolWidth]))
    }
}
