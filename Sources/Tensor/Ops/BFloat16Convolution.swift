import CDNNL
import Synchronization

/// A frozen convolution weight [Cout, Cin, kH, kW] for `conv2dBFloat16`, with its bf16 copies in
/// the layouts oneDNN's primitives chose for it, each made on first use and kept (the forward's
/// and the input gradient's; half the float32 weight's size each). Reordering the weight on every
/// call instead cost 9% of a bf16 CLIPasso step (RN101's 42 M weights, every view).
public final class FrozenConvolutionWeight: @unchecked Sendable {
    public let weight: Tensor
    private let copies = Mutex<[(layout: dnnl_memory_desc_t, storage: Storage)]>([])

    public init(_ weight: Tensor) {
        precondition(weight.rank == 4, "a convolution weight is [Cout, Cin, kH, kW], got \(weight.shape)")
        self.weight = weight
    }

    /// The weight in `operand`'s chosen layout and type, made with its reorder the first time.
    func copy(for operand: ConvolutionOperand, stream: dnnl_stream_t) -> UnsafeMutableRawPointer {
        copies.withLock { copies in
            for copy in copies {
                var kept = copy.layout, wanted = operand.chosen
                if dnnl_memory_desc_equal(&kept, &wanted) != 0 { return UnsafeMutableRawPointer(copy.storage.pointer) }
            }
            let storage = Storage(uninitializedCount: operand.chosenCount)
            if let reorder = operand.reorder {
                let plain = OneDNN.memory(operand.plain, UnsafeMutableRawPointer(weight.pointer))
                let chosen = OneDNN.memory(operand.chosen, UnsafeMutableRawPointer(storage.pointer))
                defer { for memory in [plain, chosen] { dnnl_memory_destroy(memory) } }
                OneDNN.execute(reorder, on: stream, [(DNNL_ARG_FROM, plain), (DNNL_ARG_TO, chosen)])
            } else {
                storage.pointer.update(from: weight.pointer, count: weight.count)
            }
            copies.append((operand.chosen, storage))
            return UnsafeMutableRawPointer(storage.pointer)
        }
    }
}

/// 2-D convolution with bf16 products (`--precision bf16` for a frozen CLIP ResNet) through
/// oneDNN's bf16 kernels: operands rounded to bf16, sums in float32, the output and the input
/// gradient float32. The weight is frozen (no weight gradient). Needs native bf16 instructions
/// (`ReducedPrecisionRuntime.hasNativeBFloat16`); callers check before.
///
/// The input gradient is always bf16; the forward only where no gradient will flow back through
/// it (`x` needs none: a target image's features). A forward that a gradient flows back through
/// is `conv2d`'s float32, because bf16 rounding there moves the ReLU masks that pick the
/// gradient's paths: on RN101 with the synthetic weights, a bf16 forward turned the input
/// gradient to a cosine of 0.950–0.955 with float32's (PrecisionTests' images); a float32
/// forward with a bf16 backward keeps 0.997–0.999.
public func conv2dBFloat16(
    _ x: Tensor, frozenWeight: FrozenConvolutionWeight, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0
) -> Tensor {
    let weight = frozenWeight.weight
    precondition(x.rank == 4, "conv2d input must be [N, C, H, W], got \(x.shape)")
    precondition(weight.shape[1] == x.shape[1], "conv2d weight \(weight.shape) does not fit input \(x.shape)")
    precondition(!weight.requiresGrad, "a bf16 convolution's weight is frozen")
    if let bias { precondition(!bias.needsGrad, "a bf16 convolution's bias is frozen") }
    let geometry = ConvolutionGeometry(input: x.shape, weight: weight.shape, stride: (stride, stride), padding: (padding, padding))
    precondition(geometry.outHeight > 0 && geometry.outWidth > 0, "conv2d: kernel \(weight.shape) larger than padded input \(x.shape)")
    let batch = x.shape[0], outChannels = weight.shape[0]
    guard x.needsGrad else {
        let result = Tensor(uninitializedShape: [batch, outChannels, geometry.outHeight, geometry.outWidth])
        OneDNNConvolution.forward(
            input: x.pointer, weight: weight.pointer, bias: bias?.pointer, output: result.pointer, geometry, batch: batch,
            outChannels: outChannels, arithmetic: .bf16, frozenWeight: frozenWeight)
        return result
    }
    let result = conv2d(x.detached(), weight: weight, bias: bias, stride: stride, padding: padding)
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let (dx, accumulate) = x.gradientTarget() else { return }
        OneDNNConvolution.inputGradient(
            outputGrad: outputGrad.pointer, weight: weight.pointer, into: dx, accumulate: accumulate, geometry, batch: batch,
            outChannels: outChannels, arithmetic: .bf16, frozenWeight: frozenWeight)
    }
    return result
}
