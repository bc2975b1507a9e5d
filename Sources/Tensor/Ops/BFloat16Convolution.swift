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
    precondition(!frozenWeight.weight.requiresGrad, "a bf16 convolution's weight is frozen")
    if let bias { precondition(!bias.needsGrad, "a bf16 convolution's bias is frozen") }
    let convolution = RoutedConvolution(frozenWeight, stride: stride, padding: padding, arithmetic: .bf16, inputShape: x.shape)
    let result = Tensor(uninitializedShape: convolution.outputShape)
    convolution.forward(x.pointer, bias: bias?.pointer, into: result.pointer, gradientFollows: x.needsGrad)
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let inputGrad = x.gradientTarget() else { return }
        convolution.inputGradient(outputGrad.pointer, into: inputGrad)
    }
    return result
}
