import CDNNL

/// A frozen linear layer's weight in int8 (`--precision int8`): quantised once per output
/// channel; every call quantises its input per row and multiplies through oneDNN's u8·s8 → s32
/// GEMM, then dequantises with the two scales. The input gradient runs through the same codes:
/// the output gradient, times the weight's channel scales (they lie along that product's
/// reduction axis), is quantised per row the same way. Frozen means no weight gradient, ever.
public final class Int8LinearWeight: @unchecked Sendable {
    public let weight: ChannelQuantizedWeight
    /// The largest activation code (see `ReducedPrecisionRuntime.activationLevels`).
    public let activationLevels: Int

    public init(_ weight: Tensor, activationLevels: Int = ReducedPrecisionRuntime.activationLevels) {
        self.weight = ChannelQuantizedWeight(weight)
        self.activationLevels = activationLevels
    }

    public var outFeatures: Int { weight.outFeatures }
    public var inFeatures: Int { weight.inFeatures }

    /// `x · weightᵀ + bias` over the last axis of `x`, differentiable with respect to `x`.
    public func linear(_ x: Tensor, bias: Tensor? = nil) -> Tensor {
        let inFeatures = weight.inFeatures, outFeatures = weight.outFeatures
        precondition(x.shape.last == inFeatures, "int8 linear: input \(x.shape) does not end in \(inFeatures)")
        if let bias { precondition(bias.count == outFeatures, "int8 linear: bias \(bias.shape) for \(outFeatures) outputs") }
        let rows = x.count / inFeatures
        let result = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        let input = RowQuantizedMatrix(x.pointer, rows: rows, columns: inFeatures, levels: activationLevels)
        defer { input.deallocate() }
        weight.codes.withUnsafeBufferPointer { codes in
            weight.scales.withUnsafeBufferPointer { scales in
                weight.rowSums.withUnsafeBufferPointer { rowSums in
                    integerProduct(input, codes.baseAddress!, transposed: true, n: outFeatures, into: result.pointer) {
                        sums, r, zeroPoint, rowScale, columns in
                        // Each float overwrites the sum it is made from.
                        for o in columns {
                            let centred = sums.load(fromByteOffset: o * 4, as: Int32.self) - zeroPoint * rowSums[o]
                            sums.storeBytes(of: rowScale * scales[o] * Float(centred), toByteOffset: o * 4, as: Float.self)
                        }
                    }
                }
            }
        }
        if let bias {
            let out = result.pointer, b = bias.pointer
            for row in 0..<rows {
                for o in 0..<outFeatures { out[row * outFeatures + o] += b[o] }
            }
        }
        result.recordIfNeeded(bias.map { [x, $0] } ?? [x]) { [weight, activationLevels] _, outputGrad in
            if let dx = x.gradientBuffer() {
                let gradient = weight.scales.withUnsafeBufferPointer {
                    RowQuantizedMatrix(
                        outputGrad.pointer, rows: rows, columns: outFeatures, columnScales: $0.baseAddress!, levels: activationLevels)
                }
                defer { gradient.deallocate() }
                weight.codes.withUnsafeBufferPointer { codes in
                    weight.columnSums.withUnsafeBufferPointer { columnSums in
                        integerProduct(gradient, codes.baseAddress!, transposed: false, n: inFeatures, into: nil) {
                            sums, r, zeroPoint, rowScale, columns in
                            let target = dx + r * inFeatures
                            for i in columns {
                                let centred = sums.load(fromByteOffset: i * 4, as: Int32.self) - zeroPoint * columnSums[i]
                                target[i] += rowScale * Float(centred)
                            }
                        }
                    }
                }
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

/// codes(a) · op(b) in 32-bit integers through oneDNN, `b` the [out, in] weight codes (used as
/// its transpose when `transposed`), then `finish(sums, r, zeroPoint, scale, columns)` turns the
/// sums of row `r` in `columns` into floats. Threads split the columns, each running its part of
/// the GEMM and then finishing it. With `destination` the sums are written there (Int32 and
/// Float have the same size, so `finish` rewrites them in place); otherwise into scratch memory.
private func integerProduct(
    _ a: RowQuantizedMatrix, _ b: UnsafePointer<Int8>, transposed: Bool, n: Int, into destination: UnsafeMutablePointer<Float>?,
    finish: (_ sums: UnsafeMutableRawPointer, _ r: Int, _ zeroPoint: Int32, _ scale: Float, _ columns: Range<Int>) -> Void
) {
    let m = a.rows, k = a.columns
    guard m > 0, n > 0 else { return }
    let sums =
        destination.map { UnsafeMutableRawPointer($0) }
        ?? UnsafeMutableRawPointer.allocate(byteCount: m * n * 4, alignment: 64)
    defer { if destination == nil { sums.deallocate() } }
    a.scales.withUnsafeBufferPointer { scales in
        a.zeroPoints.withUnsafeBufferPointer { zeroPoints in
            ReducedPrecisionRuntime.splittingColumns(n) { columns in
                // Columns j0..<j1 of op(b): rows j0... of the [out, in] codes when transposed,
                // else columns j0... of them.
                let part = transposed ? b + columns.lowerBound * k : b + columns.lowerBound
                var noOffset: Int32 = 0
                ReducedPrecisionRuntime.check(
                    dnnl_gemm_u8s8s32(
                        CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: transposed ? "T" : "N")), CChar(UInt8(ascii: "F")),
                        Int64(m), Int64(columns.count), Int64(k), 1, a.codes, Int64(k), 0, part, Int64(transposed ? k : n), 0, 0,
                        (sums + columns.lowerBound * 4).assumingMemoryBound(to: Int32.self), Int64(n), &noOffset),
                    "in the u8·s8 GEMM \(m)x\(k)x\(n)")
                for r in 0..<m { finish(sums + r * n * 4, r, zeroPoints[r], scales[r], columns) }
            }
        }
    }
}
