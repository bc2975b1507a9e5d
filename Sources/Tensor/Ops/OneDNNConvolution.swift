import CDNNL
import Synchronization

// Convolutions through oneDNN's JIT kernels, the ones PyTorch's CPU convolutions run: forward
// (with bias), input gradient and weight gradient of the same convolutions `conv2d` computes.
//
// oneDNN's fast kernels work on blocked layouts (channels in groups of 16: nChw16c, and weights
// blocked both ways), not on our NCHW; with NCHW in and out it falls back to its own im2col +
// sgemm. So each primitive is made with `dnnl_format_tag_any` and picks its layouts, and each
// call reorders its inputs from NCHW/OIHW into them and its output back (a pass over memory
// each, small next to the convolution). Making a primitive costs milliseconds (the JIT), so
// primitives are made once per shape and kept for the process: a method step meets the same
// few dozen shapes every iteration.

/// Which of a convolution's computations a primitive does.
enum ConvolutionPass: Hashable {
    case forward, inputGradient, weightGradient
}

/// The arithmetic of a convolution's products: float32, or bfloat16 (inputs, weights and output
/// gradients rounded to bf16, products accumulated in float32; outputs and input gradients stay
/// float32). bf16 serves frozen weights only: it has no weight gradient.
public enum ConvolutionArithmetic: Hashable, Sendable {
    case fp32, bf16
}

/// Everything a convolution primitive is made for.
struct ConvolutionKey: Hashable {
    let pass: ConvolutionPass
    let batch: Int, inChannels: Int, height: Int, width: Int
    let outChannels: Int, kernelHeight: Int, kernelWidth: Int
    let strideY: Int, strideX: Int, paddingY: Int, paddingX: Int
    let hasBias: Bool
    let arithmetic: ConvolutionArithmetic

    init(
        _ pass: ConvolutionPass, _ g: ConvolutionGeometry, batch: Int, outChannels: Int, hasBias: Bool,
        arithmetic: ConvolutionArithmetic = .fp32
    ) {
        self.pass = pass
        self.arithmetic = arithmetic
        self.batch = batch
        inChannels = g.inChannels
        height = g.height
        width = g.width
        self.outChannels = outChannels
        kernelHeight = g.kernelHeight
        kernelWidth = g.kernelWidth
        strideY = g.strideY
        strideX = g.strideX
        paddingY = g.paddingY
        paddingX = g.paddingX
        self.hasBias = hasBias
    }
}

/// One tensor of a primitive: the layout of our buffer (NCHW, OIHW, or a plain vector), the layout
/// the primitive chose, and the reorders between them.
final class ConvolutionOperand {
    let argument: Int32
    let plain: dnnl_memory_desc_t
    let chosen: dnnl_memory_desc_t
    /// Floats of a buffer in the chosen layout (blocked layouts pad channels to 16; a bf16 buffer
    /// needs half as many).
    let chosenCount: Int
    /// Input: plain to chosen, when they differ. Output: chosen to plain, when they differ.
    let reorder: dnnl_primitive_t?
    /// Output only: chosen to plain, adding onto what the plain buffer holds (gradients that
    /// accumulate).
    let addingReorder: dnnl_primitive_t?

    init(argument: Int32, plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t, isOutput: Bool) {
        self.argument = argument
        self.plain = plain
        self.chosen = chosen
        var chosenCopy = chosen
        chosenCount = (dnnl_memory_desc_get_size(&chosenCopy) + 3) / 4
        var plainCopy = plain
        let same = dnnl_memory_desc_equal(&plainCopy, &chosenCopy) != 0
        if isOutput {
            reorder = same ? nil : Self.makeReorder(from: chosen, to: plain, adding: false)
            addingReorder = Self.makeReorder(from: chosen, to: plain, adding: true)
        } else {
            reorder = same ? nil : Self.makeReorder(from: plain, to: chosen, adding: false)
            addingReorder = nil
        }
    }

    private static func makeReorder(from source: dnnl_memory_desc_t, to target: dnnl_memory_desc_t, adding: Bool) -> dnnl_primitive_t {
        var attributes: dnnl_primitive_attr_t?
        OneDNN.check(dnnl_primitive_attr_create(&attributes), "creating attributes")
        defer { dnnl_primitive_attr_destroy(attributes) }
        if adding {
            var postOps: dnnl_post_ops_t?
            OneDNN.check(dnnl_post_ops_create(&postOps), "creating post-ops")
            defer { dnnl_post_ops_destroy(postOps) }
            OneDNN.check(dnnl_post_ops_append_sum(postOps, 1), "appending a sum")
            OneDNN.check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "setting post-ops")
        }
        var from = source, to = target
        var descriptor: dnnl_primitive_desc_t?
        OneDNN.check(
            dnnl_reorder_primitive_desc_create(&descriptor, &from, OneDNN.engine, &to, OneDNN.engine, attributes),
            "describing a reorder")
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "creating a reorder")
        return primitive!
    }
}

/// A convolution primitive for one `ConvolutionKey`, with its operands.
final class ConvolutionPlan: @unchecked Sendable {
    let primitive: dnnl_primitive_t
    let inputs: [ConvolutionOperand]
    let output: ConvolutionOperand

    init(primitive: dnnl_primitive_t, inputs: [ConvolutionOperand], output: ConvolutionOperand) {
        self.primitive = primitive
        self.inputs = inputs
        self.output = output
    }

    /// Runs the convolution on plain buffers, one per input, storing into `output` or adding
    /// onto it (`accumulate`). A `frozenWeight` gives the weights in the chosen layout from its
    /// kept copies instead of reordering them here.
    func run(
        inputs pointers: [UnsafeRawPointer], output target: UnsafeMutableRawPointer, accumulate: Bool,
        frozenWeight: FrozenConvolutionWeight?, stream: dnnl_stream_t
    ) {
        var memories: [dnnl_memory_t] = []
        var buffers: [Storage] = []
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        func wrap(_ descriptor: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer) -> dnnl_memory_t {
            let memory = OneDNN.memory(descriptor, pointer)
            memories.append(memory)
            return memory
        }
        func scratch(_ operand: ConvolutionOperand) -> dnnl_memory_t {
            let buffer = Storage(uninitializedCount: operand.chosenCount)
            buffers.append(buffer)
            return wrap(operand.chosen, buffer.pointer)
        }
        var arguments: [(Int32, dnnl_memory_t)] = []
        for (operand, pointer) in zip(inputs, pointers) {
            if operand.argument == DNNL_ARG_WEIGHTS, let frozenWeight {
                arguments.append((operand.argument, wrap(operand.chosen, frozenWeight.copy(for: operand, stream: stream))))
                continue
            }
            // oneDNN's memory objects take mutable handles; inputs are only read.
            let plain = wrap(operand.plain, UnsafeMutableRawPointer(mutating: pointer))
            if let reorder = operand.reorder {
                let chosen = scratch(operand)
                OneDNN.execute(reorder, on: stream, [(DNNL_ARG_FROM, plain), (DNNL_ARG_TO, chosen)])
                arguments.append((operand.argument, chosen))
            } else {
                arguments.append((operand.argument, plain))
            }
        }
        let plainOutput = wrap(output.plain, target)
        if let reorder = accumulate ? output.addingReorder : output.reorder {
            let chosen = scratch(output)
            OneDNN.execute(primitive, on: stream, arguments + [(output.argument, chosen)])
            OneDNN.execute(reorder, on: stream, [(DNNL_ARG_FROM, chosen), (DNNL_ARG_TO, plainOutput)])
        } else {
            OneDNN.execute(primitive, on: stream, arguments + [(output.argument, plainOutput)])
        }
        withExtendedLifetime(buffers) {}
    }
}

enum OneDNNConvolution {
    /// Plans made so far, one per key, kept for the process (a few dozen shapes per model).
    private static let plans = Mutex<[ConvolutionKey: ConvolutionPlan]>([:])

    /// Forward primitive descriptors, kept alive: the backward primitives are made with one as
    /// their hint (it fixes the layouts they must agree with).
    private static let forwardDescriptors = Mutex<[ConvolutionKey: OpaquePointer]>([:])

    /// `output` [N, Cout, Hout, Wout] = conv(`input` [N, Cin, H, W], `weight`) + `bias`.
    static func forward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        _ geometry: ConvolutionGeometry, batch: Int, outChannels: Int, arithmetic: ConvolutionArithmetic = .fp32,
        frozenWeight: FrozenConvolutionWeight? = nil
    ) {
        let key = ConvolutionKey(
            .forward, geometry, batch: batch, outChannels: outChannels, hasBias: bias != nil, arithmetic: arithmetic)
        var inputs = [UnsafeRawPointer(input), UnsafeRawPointer(weight)]
        if let bias { inputs.append(UnsafeRawPointer(bias)) }
        run(key, inputs: inputs, output: output, accumulate: false, frozenWeight: frozenWeight)
    }

    /// The input gradient [N, Cin, H, W] of the output gradient `outputGrad`, stored into
    /// `inputGrad` or added onto it.
    static func inputGradient(
        outputGrad: UnsafePointer<Float>, weight: UnsafePointer<Float>, into inputGrad: UnsafeMutablePointer<Float>,
        accumulate: Bool, _ geometry: ConvolutionGeometry, batch: Int, outChannels: Int, arithmetic: ConvolutionArithmetic = .fp32,
        frozenWeight: FrozenConvolutionWeight? = nil
    ) {
        let key = ConvolutionKey(
            .inputGradient, geometry, batch: batch, outChannels: outChannels, hasBias: false, arithmetic: arithmetic)
        run(
            key, inputs: [UnsafeRawPointer(outputGrad), UnsafeRawPointer(weight)], output: inputGrad, accumulate: accumulate,
            frozenWeight: frozenWeight)
    }

    /// The weight gradient [Cout, Cin, kH, kW] of `outputGrad` for `input`, stored into
    /// `weightGrad` or added onto it.
    static func weightGradient(
        input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>, into weightGrad: UnsafeMutablePointer<Float>,
        accumulate: Bool, _ geometry: ConvolutionGeometry, batch: Int, outChannels: Int
    ) {
        let key = ConvolutionKey(.weightGradient, geometry, batch: batch, outChannels: outChannels, hasBias: false)
        run(key, inputs: [UnsafeRawPointer(input), UnsafeRawPointer(outputGrad)], output: weightGrad, accumulate: accumulate)
    }

    private static func run(
        _ key: ConvolutionKey, inputs: [UnsafeRawPointer], output: UnsafeMutablePointer<Float>, accumulate: Bool,
        frozenWeight: FrozenConvolutionWeight? = nil
    ) {
        OneDNN.withStream { stream in
            let plan = plans.withLock { plans in
                if let plan = plans[key] { return plan }
                let plan = makePlan(key)
                plans[key] = plan
                return plan
            }
            plan.run(
                inputs: inputs, output: UnsafeMutableRawPointer(output), accumulate: accumulate, frozenWeight: frozenWeight,
                stream: stream)
        }
    }

    private static func makePlan(_ key: ConvolutionKey) -> ConvolutionPlan {
        let k = key
        let outHeight = slidingWindowCount(k.height, kernel: k.kernelHeight, stride: k.strideY, padding: k.paddingY)
        let outWidth = slidingWindowCount(k.width, kernel: k.kernelWidth, stride: k.strideX, padding: k.paddingX)
        let sourceShape = [k.batch, k.inChannels, k.height, k.width]
        let weightShape = [k.outChannels, k.inChannels, k.kernelHeight, k.kernelWidth]
        let outputShape = [k.batch, k.outChannels, outHeight, outWidth]
        let plainSource = OneDNN.descriptor(sourceShape, dnnl_nchw)
        let plainWeight = OneDNN.descriptor(weightShape, dnnl_oihw)
        let plainOutput = OneDNN.descriptor(outputShape, dnnl_nchw)
        let plainBias = OneDNN.descriptor([k.outChannels], dnnl_x)
        // In bf16 what the products read is bf16 (the source and weights forward, the output
        // gradient and weights backward); what they write stays float32.
        let products = k.arithmetic == .bf16 ? dnnl_bf16 : dnnl_f32
        precondition(k.arithmetic == .fp32 || k.pass != .weightGradient, "a bf16 convolution has no weight gradient")
        var anySource = OneDNN.descriptor(sourceShape, dnnl_format_tag_any, type: products)
        var anyWeight = OneDNN.descriptor(weightShape, dnnl_format_tag_any, type: products)
        var anyOutput = OneDNN.descriptor(outputShape, dnnl_format_tag_any)
        var anySourceGradient = OneDNN.descriptor(sourceShape, dnnl_format_tag_any)
        var anyOutputGradient = OneDNN.descriptor(outputShape, dnnl_format_tag_any, type: products)
        var bias = plainBias
        let strides = OneDNN.dims([k.strideY, k.strideX]), padding = OneDNN.dims([k.paddingY, k.paddingX])
        // The bottom and right padding PyTorch's floor rule implies may be less than the top and
        // left; oneDNN floors the same way, so the same padding on both sides gives the same shape.

        let forwardKey = ConvolutionKey(
            .forward,
            ConvolutionGeometry(
                input: sourceShape, weight: weightShape, stride: (k.strideY, k.strideX), padding: (k.paddingY, k.paddingX)),
            batch: k.batch, outChannels: k.outChannels, hasBias: k.hasBias, arithmetic: k.arithmetic)
        let forwardDescriptor = forwardDescriptors.withLock { descriptors in
            if let descriptor = descriptors[forwardKey] { return descriptor }
            var operation = dnnl_convolution_desc_t()
            let status = withUnsafePointer(to: &bias) { bias in
                dnnl_convolution_forward_desc_init(
                    &operation, dnnl_forward_training, dnnl_convolution_direct, &anySource, &anyWeight, k.hasBias ? bias : nil,
                    &anyOutput, strides, padding, padding)
            }
            OneDNN.check(status, "describing a convolution \(k)")
            let descriptor = primitiveDescriptor(&operation, hint: nil, k)
            descriptors[forwardKey] = descriptor
            return descriptor
        }

        let descriptor: OpaquePointer
        var operation = dnnl_convolution_desc_t()
        switch k.pass {
        case .forward:
            descriptor = forwardDescriptor
        case .inputGradient:
            OneDNN.check(
                dnnl_convolution_backward_data_desc_init(
                    &operation, dnnl_convolution_direct, &anySourceGradient, &anyWeight, &anyOutputGradient, strides, padding,
                    padding),
                "describing a convolution's input gradient \(k)")
            descriptor = primitiveDescriptor(&operation, hint: forwardDescriptor, k)
        case .weightGradient:
            OneDNN.check(
                dnnl_convolution_backward_weights_desc_init(
                    &operation, dnnl_convolution_direct, &anySource, &anyWeight, nil, &anyOutputGradient, strides, padding, padding),
                "describing a convolution's weight gradient \(k)")
            descriptor = primitiveDescriptor(&operation, hint: forwardDescriptor, k)
        }
        func operand(
            _ argument: Int32, _ plain: dnnl_memory_desc_t, _ query: dnnl_query_t, index: Int32 = 0, isOutput: Bool = false
        ) -> ConvolutionOperand {
            ConvolutionOperand(
                argument: argument, plain: plain, chosen: dnnl_primitive_desc_query_md(descriptor, query, index).pointee,
                isOutput: isOutput)
        }
        var primitive: dnnl_primitive_t?
        OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "creating a convolution \(k)")
        // The primitive keeps what it needs; a backward's descriptor goes once its layouts are read.
        defer { if k.pass != .forward { dnnl_primitive_desc_destroy(descriptor) } }
        switch k.pass {
        case .forward:
            var inputs = [
                operand(DNNL_ARG_SRC, plainSource, dnnl_query_src_md), operand(DNNL_ARG_WEIGHTS, plainWeight, dnnl_query_weights_md),
            ]
            if k.hasBias { inputs.append(operand(DNNL_ARG_BIAS, plainBias, dnnl_query_weights_md, index: 1)) }
            return ConvolutionPlan(
                primitive: primitive!, inputs: inputs, output: operand(DNNL_ARG_DST, plainOutput, dnnl_query_dst_md, isOutput: true))
        case .inputGradient:
            let inputs = [
                operand(DNNL_ARG_DIFF_DST, plainOutput, dnnl_query_diff_dst_md),
                operand(DNNL_ARG_WEIGHTS, plainWeight, dnnl_query_weights_md),
            ]
            return ConvolutionPlan(
                primitive: primitive!, inputs: inputs,
                output: operand(DNNL_ARG_DIFF_SRC, plainSource, dnnl_query_diff_src_md, isOutput: true))
        case .weightGradient:
            let inputs = [
                operand(DNNL_ARG_SRC, plainSource, dnnl_query_src_md), operand(DNNL_ARG_DIFF_DST, plainOutput, dnnl_query_diff_dst_md),
            ]
            return ConvolutionPlan(
                primitive: primitive!, inputs: inputs,
                output: operand(DNNL_ARG_DIFF_WEIGHTS, plainWeight, dnnl_query_diff_weights_md, isOutput: true))
        }
    }

    private static func primitiveDescriptor(
        _ operation: inout dnnl_convolution_desc_t, hint: OpaquePointer?, _ key: ConvolutionKey
    ) -> OpaquePointer {
        var descriptor: dnnl_primitive_desc_t?
        OneDNN.check(
            withUnsafePointer(to: &operation) { dnnl_primitive_desc_create(&descriptor, $0, nil, OneDNN.engine, hint) },
            "finding a convolution kernel for \(key)")
        return descriptor!
    }
}

/// `conv2d` through oneDNN: the forward now, the input and weight gradients in the backward (the
/// bias gradient is a plain sum, shared with our path).
func conv2dThroughOneDNN(
    _ x: Tensor, weight: Tensor, bias: Tensor?, _ geometry: ConvolutionGeometry, batch: Int, outChannels: Int
) -> Tensor {
    let result = Tensor(uninitializedShape: [batch, outChannels, geometry.outHeight, geometry.outWidth])
    OneDNNConvolution.forward(
        input: x.pointer, weight: weight.pointer, bias: bias?.pointer, output: result.pointer, geometry, batch: batch,
        outChannels: outChannels)
    result.recordIfNeeded(bias.map { [x, weight, $0] } ?? [x, weight]) { _, outputGrad in
        let g = outputGrad.pointer
        if let bias { addBiasGradient(of: g, to: bias, batch: batch, outPlane: geometry.outPlane) }
        if let (dx, accumulate) = x.gradientTarget() {
            OneDNNConvolution.inputGradient(
                outputGrad: g, weight: weight.pointer, into: dx, accumulate: accumulate, geometry, batch: batch,
                outChannels: outChannels)
        }
        if let (dWeight, accumulate) = weight.gradientTarget() {
            OneDNNConvolution.weightGradient(
                input: x.pointer, outputGrad: g, into: dWeight, accumulate: accumulate, geometry, batch: batch,
                outChannels: outChannels)
        }
    }
    return result
}
