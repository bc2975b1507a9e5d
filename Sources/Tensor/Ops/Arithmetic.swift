// Element-wise arithmetic with broadcasting, and scalar arithmetic.
//
// Backward: the gradient of a broadcast operand is summed over the axes it was broadcast along.
// Accumulating into a broadcast operand touches the same element from many rows, so that case
// runs on one thread; a full-size operand's rows are disjoint and run in parallel.

enum BinaryOperator {
    case add, subtract, multiply, divide

    @inline(__always)
    func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        }
    }
}

func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOperator) -> Tensor {
    guard let plan = Broadcast(a.shape, b.shape) else {
        preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
    }
    let result = Tensor(uninitializedShape: plan.shape)
    let pa = a.pointer, pb = b.pointer, out = result.pointer
    let length = plan.rowLength, strideA = plan.innerStrideA, strideB = plan.innerStrideB
    Parallel.forEachChunk(plan.rowCount, grain: max(1, 16_384 / max(length, 1))) { rows in
        for row in rows {
            let (offsetA, offsetB) = plan.rowOffsets(row)
            let rowA = pa + offsetA, rowB = pb + offsetB, rowOut = out + row * length
            switch op {
            case .add: for i in 0..<length { rowOut[i] = rowA[i * strideA] + rowB[i * strideB] }
            case .subtract: for i in 0..<length { rowOut[i] = rowA[i * strideA] - rowB[i * strideB] }
            case .multiply: for i in 0..<length { rowOut[i] = rowA[i * strideA] * rowB[i * strideB] }
            case .divide: for i in 0..<length { rowOut[i] = rowA[i * strideA] / rowB[i * strideB] }
            }
        }
    }
    result.recordIfNeeded([a, b]) { _, outputGrad in
        binaryBackward(a, b, op, plan, outputGrad.pointer)
    }
    return result
}

private func binaryBackward(_ a: Tensor, _ b: Tensor, _ op: BinaryOperator, _ plan: Broadcast, _ g: UnsafeMutablePointer<Float>) {
    let pa = a.pointer, pb = b.pointer, length = plan.rowLength
    let strideA = plan.innerStrideA, strideB = plan.innerStrideB

    // A full-size operand's gradient gets every element written once, so a fresh buffer is
    // stored into; a broadcast operand's elements collect many rows, so it starts from zero.
    let broadcastA = a.count != plan.count
    if let (da, accumulate) = broadcastA ? a.gradientBuffer().map({ ($0, true) }) : a.gradientTarget() {
        let grain = broadcastA ? Int.max : max(1, 16_384 / max(length, 1))
        Parallel.forEachChunk(plan.rowCount, grain: grain) { rows in
            for row in rows {
                let (offsetA, offsetB) = plan.rowOffsets(row)
                let rowGrad = g + row * length, rowDA = da + offsetA, rowB = pb + offsetB
                switch (op, accumulate) {
                case (.add, true), (.subtract, true):
                    for i in 0..<length { rowDA[i * strideA] += rowGrad[i] }
                case (.add, false), (.subtract, false):
                    for i in 0..<length { rowDA[i * strideA] = rowGrad[i] }
                case (.multiply, true):
                    for i in 0..<length { rowDA[i * strideA] += rowGrad[i] * rowB[i * strideB] }
                case (.multiply, false):
                    for i in 0..<length { rowDA[i * strideA] = rowGrad[i] * rowB[i * strideB] }
                case (.divide, true):
                    for i in 0..<length { rowDA[i * strideA] += rowGrad[i] / rowB[i * strideB] }
                case (.divide, false):
                    for i in 0..<length { rowDA[i * strideA] = rowGrad[i] / rowB[i * strideB] }
                }
            }
        }
    }
    let broadcastB = b.count != plan.count
    if let (db, accumulate) = broadcastB ? b.gradientBuffer().map({ ($0, true) }) : b.gradientTarget() {
        let grain = broadcastB ? Int.max : max(1, 16_384 / max(length, 1))
        Parallel.forEachChunk(plan.rowCount, grain: grain) { rows in
            for row in rows {
                let (offsetA, offsetB) = plan.rowOffsets(row)
                let rowGrad = g + row * length, rowDB = db + offsetB, rowA = pa + offsetA, rowB = pb + offsetB
                switch (op, accumulate) {
                case (.add, true):
                    for i in 0..<length { rowDB[i * strideB] += rowGrad[i] }
                case (.add, false):
                    for i in 0..<length { rowDB[i * strideB] = rowGrad[i] }
                case (.subtract, true):
                    for i in 0..<length { rowDB[i * strideB] -= rowGrad[i] }
                case (.subtract, false):
                    for i in 0..<length { rowDB[i * strideB] = -rowGrad[i] }
                case (.multiply, true):
                    for i in 0..<length { rowDB[i * strideB] += rowGrad[i] * rowA[i * strideA] }
                case (.multiply, false):
                    for i in 0..<length { rowDB[i * strideB] = rowGrad[i] * rowA[i * strideA] }
                case (.divide, true):
                    for i in 0..<length {
                        let divisor = rowB[i * strideB]
                        rowDB[i * strideB] -= rowGrad[i] * rowA[i * strideA] / (divisor * divisor)
                    }
                case (.divide, false):
                    for i in 0..<length {
                        let divisor = rowB[i * strideB]
                        rowDB[i * strideB] = -(rowGrad[i] * rowA[i * strideA] / (divisor * divisor))
                    }
                }
            }
        }
    }
}

public func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .add) }
public func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .subtract) }
public func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .multiply) }
public func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .divide) }

/// `scale * x + shift` with constant scalars: the affine map behind scalar arithmetic.
public func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor {
    let result = Tensor(uninitializedShape: x.shape)
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(x.count) { range in
        for i in range { out[i] = scale * input[i] + shift }
    }
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let (dx, accumulate) = x.gradientTarget() else { return }
        let g = outputGrad.pointer
        Parallel.forEachChunk(x.count) { range in
            if accumulate {
                for i in range { dx[i] += scale * g[i] }
            } else {
                for i in range { dx[i] = scale * g[i] }
            }
        }
    }
    return result
}

public func + (x: Tensor, s: Float) -> Tensor { affine(x, scale: 1, shift: s) }
public func + (s: Float, x: Tensor) -> Tensor { affine(x, scale: 1, shift: s) }
public func - (x: Tensor, s: Float) -> Tensor { affine(x, scale: 1, shift: -s) }
public func - (s: Float, x: Tensor) -> Tensor { affine(x, scale: -1, shift: s) }
public func * (x: Tensor, s: Float) -> Tensor { affine(x, scale: s, shift: 0) }
public func * (s: Float, x: Tensor) -> Tensor { affine(x, scale: s, shift: 0) }
public func / (x: Tensor, s: Float) -> Tensor { affine(x, scale: 1 / s, shift: 0) }
public prefix func - (x: Tensor) -> Tensor { affine(x, scale: -1, shift: 0) }
