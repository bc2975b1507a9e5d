import CDNNL
import Synchronization

/// A frozen linear layer's weight in bfloat16 (`--precision bf16`): stored once as bf16; every
/// call rounds its input (and, backward, the output gradient) to bf16 and multiplies through
/// oneDNN's bf16 matmul, which accumulates in float32. Needs native bf16 instructions
/// (`ReducedPrecisionRuntime.hasNativeBFloat16`); callers check before building one.
public final class BFloat16LinearWeight: @unchecked Sendable {
    public let outFeatures: Int, inFeatures: Int
    /// [out, in], the upper 16 bits of each float32 after rounding to nearest even.
    public let bits: [UInt16]

    public init(_ weight: Tensor) {
        precondition(weight.rank == 2, "a bf16 weight is [out, in], got \(weight.shape)")
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        var bits = [UInt16](repeating: 0, count: weight.count)
        bits.withUnsafeMutableBufferPointer { convertToBFloat16(weight.pointer, $0.baseAddress!, count: weight.count) }
        self.bits = bits
    }

    /// `x · weightᵀ + bias` over the last axis of `x`, differentiable with respect to `x`.
    public func linear(_ x: Tensor, bias: Tensor? = nil) -> Tensor {
        let inFeatures = inFeatures, outFeatures = outFeatures
        precondition(x.shape.last == inFeatures, "bf16 linear: input \(x.shape) does not end in \(inFeatures)")
        if let bias { precondition(bias.count == outFeatures, "bf16 linear: bias \(bias.shape) for \(outFeatures) outputs") }
        let rows = x.count / inFeatures
        let result = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        bits.withUnsafeBufferPointer { weightBits in
            bfloat16Product(
                x.pointer, rows: rows, weightBits.baseAddress!, k: inFeatures, n: outFeatures, transposed: true, into: result.pointer)
        }
        if let bias {
            let out = result.pointer, b = bias.pointer
            for row in 0..<rows {
                for o in 0..<outFeatures { out[row * outFeatures + o] += b[o] }
            }
        }
        result.recordIfNeeded(bias.map { [x, $0] } ?? [x]) { [bits] _, outputGrad in
            if let dx = x.gradientBuffer() {
                let product = Tensor(uninitializedShape: [rows, inFeatures])
                bits.withUnsafeBufferPointer { weightBits in
                    bfloat16Product(
                        outputGrad.pointer, rows: rows, weightBits.baseAddress!, k: outFeatures, n: inFeatures, transposed: false,
                        into: product.pointer)
                }
                let p = product.pointer
                Parallel.forEachChunk(rows * inFeatures) { range in for index in range { dx[index] += p[index] } }
            }
            if let bias, let dBias = bias.gradientBuffer() {
                let g = outputGrad.pointer
                for row in 0..<rows {
                    for o in 0..<outFeatures { dBias[o] += g[row * outFeatures + o] }
                }
            }
        }
        return result
    }
}

/// Rounds float32 to bfloat16 (nearest, ties to even; NaN stays NaN).
public func convertToBFloat16(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<UInt16>, count: Int) {
    Parallel.forEachChunk(count, grain: 65_536) { range in
        for index in range {
            let value = source[index]
            if value.isNaN {
                destination[index] = 0x7FC0
                continue
            }
            let word = value.bitPattern
            let rounded = word &+ 0x7FFF &+ ((word >> 16) & 1)
            destination[index] = UInt16(truncatingIfNeeded: rounded >> 16)
        }
    }
}

/// The float32 a bfloat16 stands for.
@inline(__always)
public func floatFromBFloat16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

/// bf16(a) [m, k] · op(b) into float32 `c` [m, n]; `b` is bf16 [n, k] used transposed, or [k, n].
/// Threads split the columns (see `ReducedPrecisionRuntime.splittingColumns`).
private func bfloat16Product(
    _ a: UnsafePointer<Float>, rows m: Int, _ b: UnsafePointer<UInt16>, k: Int, n: Int, transposed: Bool,
    into c: UnsafeMutablePointer<Float>
) {
    guard m > 0, n > 0 else { return }
    let roundedA = UnsafeMutablePointer<UInt16>.allocate(capacity: m * k)
    defer { roundedA.deallocate() }
    convertToBFloat16(a, roundedA, count: m * k)
    let engine = ReducedPrecisionRuntime.engine
    ReducedPrecisionRuntime.splittingColumns(n) { columns in
        let matmul = BFloat16MatmulCache.primitive(m: m, k: k, width: columns.count, n: n, transposed: transposed)
        var source = matmul.source, weights = matmul.weights, destination = matmul.destination
        let part = transposed ? b + columns.lowerBound * k : b + columns.lowerBound
        var memories: [dnnl_memory_t?] = [nil, nil, nil]
        ReducedPrecisionRuntime.check(dnnl_memory_create(&memories[0], &source, engine, roundedA), "wrapping the bf16 input")
        ReducedPrecisionRuntime.check(
            dnnl_memory_create(&memories[1], &weights, engine, UnsafeMutableRawPointer(mutating: part)), "wrapping the bf16 weight")
        ReducedPrecisionRuntime.check(
            dnnl_memory_create(&memories[2], &destination, engine, c + columns.lowerBound), "wrapping the product")
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        var stream: dnnl_stream_t?
        ReducedPrecisionRuntime.check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "creating a stream")
        defer { dnnl_stream_destroy(stream) }
        let arguments = [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: memories[0]), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: memories[1]),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: memories[2]),
        ]
        ReducedPrecisionRuntime.check(dnnl_primitive_execute(matmul.primitive, stream, 3, arguments), "in the bf16 matmul")
        ReducedPrecisionRuntime.check(dnnl_stream_wait(stream), "waiting for the bf16 matmul")
    }
}

/// oneDNN matmul primitives by shape: creating one JIT-compiles a kernel (milliseconds), and a
/// CLIP tower uses a handful of shapes over and over. Each computes `width` of the `n` columns
/// (its weights and output are views into the whole matrices).
private enum BFloat16MatmulCache {
    struct Key: Hashable {
        let m: Int, k: Int, width: Int, n: Int, transposed: Bool
    }

    struct Entry: @unchecked Sendable {
        let primitive: dnnl_primitive_t
        let source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, destination: dnnl_memory_desc_t
    }

    static let entries = Mutex<[Key: Entry]>([:])

    static func primitive(m: Int, k: Int, width: Int, n: Int, transposed: Bool) -> Entry {
        let key = Key(m: m, k: k, width: width, n: n, transposed: transposed)
        if let entry = entries.withLock({ $0[key] }) { return entry }
        var source = descriptor([m, k], strides: [k, 1], type: dnnl_bf16)
        var weights = descriptor([k, width], strides: transposed ? [1, k] : [n, 1], type: dnnl_bf16)
        var destination = descriptor([m, width], strides: [n, 1], type: dnnl_f32)
        var operation = dnnl_matmul_desc_t()
        ReducedPrecisionRuntime.check(dnnl_matmul_desc_init(&operation, &source, &weights, nil, &destination), "describing a bf16 matmul")
        var description: dnnl_primitive_desc_t?
        ReducedPrecisionRuntime.check(
            dnnl_primitive_desc_create(&description, &operation, nil, ReducedPrecisionRuntime.engine, nil), "planning a bf16 matmul")
        defer { dnnl_primitive_desc_destroy(description) }
        var primitive: dnnl_primitive_t?
        ReducedPrecisionRuntime.check(dnnl_primitive_create(&primitive, description), "compiling a bf16 matmul")
        let entry = Entry(primitive: primitive!, source: source, weights: weights, destination: destination)
        entries.withLock { $0[key] = entry }
        return entry
    }

    static func descriptor(_ dims: [Int], strides: [Int], type: dnnl_data_type_t) -> dnnl_memory_desc_t {
        var result = dnnl_memory_desc_t()
        var dimensions: dnnl_dims_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var steps = dimensions
        withUnsafeMutableBytes(of: &dimensions) { raw in
            for (index, value) in dims.enumerated() { raw.storeBytes(of: Int64(value), toByteOffset: index * 8, as: Int64.self) }
        }
        withUnsafeMutableBytes(of: &steps) { raw in
            for (index, value) in strides.enumerated() { raw.storeBytes(of: Int64(value), toByteOffset: index * 8, as: Int64.self) }
        }
        let status = withUnsafeBytes(of: dimensions) { d in
            withUnsafeBytes(of: steps) { s in
                dnnl_memory_desc_init_by_strides(
                    &result, Int32(dims.count), d.bindMemory(to: Int64.self).baseAddress!, type, s.bindMemory(to: Int64.self).baseAddress!)
            }
        }
        ReducedPrecisionRuntime.check(status, "describing a \(dims) matrix")
        return result
    }
}
