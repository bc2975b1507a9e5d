// Sums and means over axes.

extension Tensor {
    /// Sum of every element, as a scalar tensor.
    public func sum() -> Tensor {
        let total = blockedSum(pointer, count)
        let result = Tensor(scalar: total)
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            guard let (dx, accumulate) = gradientTarget() else { return }
            let g = outputGrad.pointer[0]
            Parallel.forEachChunk(count) { range in
                if accumulate {
                    for i in range { dx[i] += g }
                } else {
                    (dx + range.lowerBound).initialize(repeating: g, count: range.count)
                }
            }
        }
        return result
    }

    public func mean() -> Tensor { sum() * (1 / Float(max(count, 1))) }

    /// Sum over `axes` (negative axes count from the end).
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let reduced = Set(axes.map(normalizedAxis))
        let keptShape = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let resultShape = keepDims ? keptShape : shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        // Reuse broadcasting: the result (with kept dims) broadcasts against the input.
        guard let plan = Broadcast(shape, keptShape) else { preconditionFailure("sum axes \(axes) for \(shape)") }
        let result = Tensor(zeros: resultShape)
        let input = pointer, out = result.pointer, length = plan.rowLength, stride = plan.innerStrideB
        for row in 0..<plan.rowCount {
            let (offsetIn, offsetOut) = plan.rowOffsets(row)
            let rowIn = input + offsetIn
            if stride == 0 {
                out[offsetOut] += sumOf(rowIn, length)
            } else {
                let rowOut = out + offsetOut
                for i in 0..<length { rowOut[i] += rowIn[i] }
            }
        }
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            guard let dx = gradientBuffer() else { return }
            let g = outputGrad.pointer
            Parallel.forEachChunk(plan.rowCount, grain: max(1, 16_384 / max(length, 1))) { rows in
                for row in rows {
                    let (offsetIn, offsetOut) = plan.rowOffsets(row)
                    let rowDX = dx + offsetIn, rowGrad = g + offsetOut
                    for i in 0..<length { rowDX[i] += rowGrad[i * stride] }
                }
            }
        }
        return result
    }

    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let reducedCount = Set(axes.map(normalizedAxis)).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(max(reducedCount, 1)))
    }
}
