// 8-bit codes for the int8 linear layers: weights symmetric per output channel (quantised once,
// at load), activations and output gradients asymmetric per row (quantised on every call, from
// that row's own range). Rounding is to nearest (ties to even); every scale is chosen so no code clamps except
// at the ends of the range it was computed from.

/// A weight [out, in] as signed codes: w[o, i] ≈ scales[o] · codes[o·in + i], codes in
/// -127...127 (-128 unused, so the range is symmetric about zero).
public struct ChannelQuantizedWeight: Sendable {
    public let outFeatures: Int, inFeatures: Int
    public let codes: [Int8]
    public let scales: [Float]
    /// Σ over `in` of each output channel's codes, and Σ over `out` of each input column's:
    /// the zero-point corrections of the forward and the input-gradient products.
    public let rowSums: [Int32], columnSums: [Int32]

    public init(_ weight: Tensor) {
        precondition(weight.rank == 2, "a quantised weight is [out, in], got \(weight.shape)")
        let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        var codes = [Int8](repeating: 0, count: outFeatures * inFeatures)
        var scales = [Float](repeating: 1, count: outFeatures)
        var rowSums = [Int32](repeating: 0, count: outFeatures)
        let source = weight.pointer
        codes.withUnsafeMutableBufferPointer { codes in
            scales.withUnsafeMutableBufferPointer { scales in
                rowSums.withUnsafeMutableBufferPointer { rowSums in
                    Parallel.forEachChunk(outFeatures, grain: 64) { range in
                        for o in range {
                            let row = source + o * inFeatures
                            var largest: Float = 0
                            for i in 0..<inFeatures { largest = max(largest, abs(row[i])) }
                            // An all-zero channel keeps scale 1 and codes 0.
                            let scale = largest > 0 ? largest / 127 : 1
                            var sum: Int32 = 0
                            for i in 0..<inFeatures {
                                let code = Int32(max(-127, min(127, (row[i] / scale).rounded(.toNearestOrEven))))
                                codes[o * inFeatures + i] = Int8(code)
                                sum += code
                            }
                            scales[o] = scale
                            rowSums[o] = sum
                        }
                    }
                }
            }
        }
        var columnSums = [Int32](repeating: 0, count: inFeatures)
        for o in 0..<outFeatures {
            for i in 0..<inFeatures { columnSums[i] += Int32(codes[o * inFeatures + i]) }
        }
        self.codes = codes
        self.scales = scales
        self.rowSums = rowSums
        self.columnSums = columnSums
    }

    /// The value a code stands for.
    public func dequantized(_ o: Int, _ i: Int) -> Float { scales[o] * Float(codes[o * inFeatures + i]) }
}

/// Rows of a float matrix as unsigned codes with a scale and zero point per row:
/// x[r, c] ≈ scales[r] · (codes[r·columns + c] − zeroPoints[r]), codes in 0...levels. Each row's
/// range is widened to include zero, so zero (padding, ReLU's output) is exact.
public struct RowQuantizedMatrix {
    public let rows: Int, columns: Int
    public let levels: Int
    public let codes: UnsafeMutablePointer<UInt8>
    public let scales: [Float]
    public let zeroPoints: [Int32]

    /// Quantises `rows` × `columns` values at `source`, each column first multiplied by
    /// `columnScales[c]` when given (the input gradient folds the weight's channel scales in
    /// here, since they run along its reduction axis). `levels`: the largest code (255 or 127).
    /// The caller frees `codes` with `deallocate()`.
    public init(_ source: UnsafePointer<Float>, rows: Int, columns: Int, columnScales: UnsafePointer<Float>? = nil, levels: Int) {
        precondition(levels >= 1 && levels <= 255, "8-bit codes have at most 255 levels")
        self.rows = rows
        self.columns = columns
        self.levels = levels
        let codes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, rows * columns))
        var scales = [Float](repeating: 1, count: rows)
        var zeroPoints = [Int32](repeating: 0, count: rows)
        let top = Float(levels)
        scales.withUnsafeMutableBufferPointer { scales in
            zeroPoints.withUnsafeMutableBufferPointer { zeroPoints in
                Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(1, columns))) { range in
                    for r in range {
                        let row = source + r * columns
                        let out = codes + r * columns
                        // Scaled values go through `out`'s row as floats only in registers: two
                        // plain loops per case, which the compiler vectorises.
                        var low: Float = 0, high: Float = 0
                        if let columnScales {
                            for c in 0..<columns {
                                let v = row[c] * columnScales[c]
                                low = min(low, v)
                                high = max(high, v)
                            }
                        } else {
                            for c in 0..<columns {
                                low = min(low, row[c])
                                high = max(high, row[c])
                            }
                        }
                        let scale = high > low ? (high - low) / top : 1
                        let zeroPoint = max(0, min(top, (-low / scale).rounded(.toNearestOrEven)))
                        let inverse = 1 / scale
                        if let columnScales {
                            for c in 0..<columns {
                                let code = max(0, min(top, (row[c] * columnScales[c] * inverse + zeroPoint).rounded(.toNearestOrEven)))
                                out[c] = UInt8(truncatingIfNeeded: Int32(code))
                            }
                        } else {
                            for c in 0..<columns {
                                let code = max(0, min(top, (row[c] * inverse + zeroPoint).rounded(.toNearestOrEven)))
                                out[c] = UInt8(truncatingIfNeeded: Int32(code))
                            }
                        }
                        scales[r] = scale
                        zeroPoints[r] = Int32(zeroPoint)
                    }
                }
            }
        }
        self.codes = codes
        self.scales = scales
        self.zeroPoints = zeroPoints
    }

    /// The value a code stands for.
    public func dequantized(_ r: Int, _ c: Int) -> Float {
        scales[r] * Float(Int32(codes[r * columns + c]) - zeroPoints[r])
    }

    public func deallocate() { codes.deallocate() }
}
