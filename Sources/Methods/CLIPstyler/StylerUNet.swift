import Models
import Tensor

/// The network CLIPstyler trains for one photo: a U-Net that maps the photo [N, 3, H, W] in [0, 1]
/// to its stylised version in (0, 1). Layer for layer the reference's `StyleNet.UNet` with 16 base
/// channels: a 1x1 input convolution, a residual block, three down blocks (residual block, then a
/// 4x4 stride-2 convolution), a 128-channel residual block at 1/8 resolution, three bilinear up
/// blocks joined with the down blocks' features, a residual block over the joined top-level
/// features, a 1x1 output convolution and a sigmoid. H and W must be multiples of 8.
public struct StylerUNet {
    public static let baseChannels = 16

    // The reference's `conv_init`, `init`, `down1`…`down3`, `encoding`, `up3`…`up1`, `out`, `conv_fin`.
    public let inputConvolution: Convolution
    public let inputBlock: ResidualBlock
    public let down1: DownBlock, down2: DownBlock, down3: DownBlock
    public let bottleneck: ResidualBlock
    public let up3: UpBlock, up2: UpBlock, up1: UpBlock
    public let outputBlock: ResidualBlock
    public let outputConvolution: Convolution

    /// Every parameter under the reference's state-dict name, in `named_parameters()` order.
    public let namedParameters: [(name: String, tensor: Tensor)]

    /// The trainable tensors, for the optimiser.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// PyTorch's default initialisation of every convolution (kaiming-uniform with a = √5 for the
    /// weight, which is U(−b, b) with b = 1/√fan-in, and the same bound for the bias), drawn in the
    /// reference's parameter order, weight before bias, from `SeededGenerator(seed:)`: a seed
    /// fixes the network.
    public init(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init { (_, shape, fanIn) throws(Never) -> Tensor in
            let bound = 1 / Float(fanIn).squareRoot()
            return Tensor.uniform(shape, -bound, bound, generator: &generator)
        }
    }

    /// Loads a state dict saved from the reference (`torch.save(style_net.state_dict(), …)`), or
    /// one `namedParameters` wrote; the tensors are copied, so training leaves `weights` unchanged.
    /// Throws `WeightError.missingTensor` or `.shapeMismatch` naming the first tensor that is
    /// missing or has the wrong shape.
    public init(weights: StateDict) throws {
        try self.init { (name, shape, _) throws(any Error) -> Tensor in try weights.tensor(name, shape: shape).copy() }
    }

    /// Builds the layers in the reference's order, taking each parameter from `supply` and
    /// recording it under its name.
    private init<Failure: Error>(supply: @escaping ParameterSupplier<Failure>) throws(Failure) {
        var named: [(name: String, tensor: Tensor)] = []
        let record: ParameterSupplier<Failure> = { (name, shape, fanIn) throws(Failure) -> Tensor in
            let parameter = try supply(name, shape, fanIn)
            parameter.requiresGrad = true
            named.append((name, parameter))
            return parameter
        }
        let c = Self.baseChannels
        inputConvolution = try Convolution("conv_init", in: 3, out: c, kernel: 1, supply: record)
        inputBlock = try ResidualBlock("init", in: c, out: c, supply: record)
        down1 = try DownBlock("down1", in: c, out: c, supply: record)
        down2 = try DownBlock("down2", in: c, out: 2 * c, supply: record)
        down3 = try DownBlock("down3", in: 2 * c, out: 4 * c, supply: record)
        bottleneck = try ResidualBlock("encoding", in: 4 * c, out: 8 * c, supply: record)
        up3 = try UpBlock("up3", in: 8 * c, out: 4 * c, supply: record)
        up2 = try UpBlock("up2", in: 4 * c, out: 2 * c, supply: record)
        up1 = try UpBlock("up1", in: 2 * c, out: c, supply: record)
        outputBlock = try ResidualBlock("out", in: 2 * c, out: c, supply: record)
        outputConvolution = try Convolution("conv_fin", in: c, out: 3, kernel: 1, supply: record)
        namedParameters = named
    }

    /// The stylised images [N, 3, H, W] in (0, 1) for photos `x` [N, 3, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(
            x.rank == 4 && x.shape[1] == 3 && x.shape[2] % 8 == 0 && x.shape[3] % 8 == 0 && x.shape[2] > 0 && x.shape[3] > 0,
            "the styler U-Net takes images [N, 3, H, W] with H and W multiples of 8, got \(x.shape)")
        let top = inputBlock(inputConvolution(x))
        let (half, topFeatures) = down1(top)
        let (quarter, halfFeatures) = down2(half)
        let (eighth, quarterFeatures) = down3(quarter)
        var h = bottleneck(eighth)
        h = up3(h, skip: quarterFeatures)
        h = up2(h, skip: halfFeatures)
        h = up1(h, skip: topFeatures)
        return sigmoid(outputConvolution(outputBlock(concat([h, top], axis: 1))))
    }
}
