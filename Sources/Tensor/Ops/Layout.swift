// Ops that move values without changing them: reshape, permute, concat, slice, pad, gather.

extension Tensor {
    /// Same values, new shape; shares storage (no copy). One dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let result = Tensor(shape: resolved, storage: storage)
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            accumulateGradient(outputGrad.pointer)
        }
        return result
    }

    /// Reorders the axes: result axis `i` is input axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permutation \(order) does not fit shape \(shape)")
        let newShape = order.map { shape[$0] }
        let inputStrides = contiguousStrides(shape)
        // Stride in the input of each output axis.
        let gatherStrides = order.map { inputStrides[$0] }
        let result = Tensor(uninitializedShape: newShape)
        permuteCopy(from: pointer, to: result.pointer, shape: newShape, sourceStrides: gatherStrides)
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            guard let dx = gradientBuffer() else { return }
            // Scatter back: walk the output order, adding into the input positions.
            permuteScatter(from: outputGrad.pointer, to: dx, shape: newShape, targetStrides: gatherStrides)
        }
        return result
    }

    /// Swaps the last two axes.
    public func transposedLastTwo() -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(rank - 1, rank - 2)
        return permuted(order)
    }

    /// `length` entries of `axis` starting at `start` (a copy).
    public func slice(axis: Int, start: Int, length: Int) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(
            start >= 0 && length >= 0 && start + length <= shape[axis],
            "slice \(start)..<\(start + length) out of range for axis \(axis) of \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var newShape = shape
        newShape[axis] = length
        let result = Tensor(uninitializedShape: newShape)
        let source = pointer, target = result.pointer, axisSize = shape[axis]
        let block = length * inner
        for o in 0..<outer {
            (target + o * block).update(from: source + (o * axisSize + start) * inner, count: block)
        }
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            guard let dx = gradientBuffer() else { return }
            let g = outputGrad.pointer
            for o in 0..<outer {
                let rowGrad = g + o * block, rowDX = dx + (o * axisSize + start) * inner
                for i in 0..<block { rowDX[i] += rowGrad[i] }
            }
        }
        return result
    }
}

/// Joins tensors along `axis`; all other dimensions must agree.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of nothing")
    let first = tensors[0]
    let axis = first.normalizedAxis(axis)
    for tensor in tensors {
        precondition(tensor.rank == first.rank, "concat: ranks differ (\(first.shape) vs \(tensor.shape))")
        for d in 0..<first.rank where d != axis {
            precondition(tensor.shape[d] == first.shape[d], "concat along \(axis): shapes \(first.shape) and \(tensor.shape) differ")
        }
    }
    let outer = first.shape[..<axis].reduce(1, *)
    let inner = first.shape[(axis + 1)...].reduce(1, *)
    let totalAxis = tensors.reduce(0) { $0 + $1.shape[axis] }
    var newShape = first.shape
    newShape[axis] = totalAxis
    let result = Tensor(uninitializedShape: newShape)
    var axisOffset = 0
    var offsets: [Int] = []
    for tensor in tensors {
        offsets.append(axisOffset)
        let block = tensor.shape[axis] * inner
        for o in 0..<outer {
            (result.pointer + (o * totalAxis + axisOffset) * inner).update(from: tensor.pointer + o * block, count: block)
        }
        axisOffset += tensor.shape[axis]
    }
    result.recordIfNeeded(tensors) { _, outputGrad in
        let g = outputGrad.pointer
        for (tensor, offset) in zip(tensors, offsets) {
            guard let dx = tensor.gradientBuffer() else { continue }
            let block = tensor.shape[axis] * inner
            for o in 0..<outer {
                let rowGrad = g + (o * totalAxis + offset) * inner, rowDX = dx + o * block
                for i in 0..<block { rowDX[i] += rowGrad[i] }
            }
        }
    }
    return result
}

/// Stacks equally shaped tensors along a new leading axis.
public func stack(_ tensors: [Tensor]) -> Tensor {
    precondition(!tensors.isEmpty, "stack of nothing")
    return concat(tensors.map { $0.reshaped([1] + $0.shape) }, axis: 0)
}

extension Tensor {
    /// Pads each axis with `padding[axis] = (before, after)` entries of `value`.
    /// Fewer pairs than axes pad the trailing axes (as `torch.nn.functional.pad` counts from the
    /// end, but here in natural order: the last pair is the last axis).
    public func padded(_ padding: [(before: Int, after: Int)], value: Float = 0) -> Tensor {
        precondition(padding.count <= rank, "padding for \(padding.count) axes of a rank-\(rank) tensor")
        let full = Array(repeating: (before: 0, after: 0), count: rank - padding.count) + padding
        precondition(full.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "negative padding")
        let newShape = zip(shape, full).map { $0 + $1.before + $1.after }
        let result = Tensor(repeating: value, shape: newShape)
        let sourceStrides = contiguousStrides(shape), targetStrides = contiguousStrides(newShape)
        let rowLength = shape.last ?? 1
        let rows = rank == 0 ? 1 : count / max(rowLength, 1)
        let offsetOf = { (row: Int) -> (source: Int, target: Int) in
            var remainder = row, source = 0, target = 0
            for axis in stride(from: self.rank - 2, through: 0, by: -1) {
                let index = remainder % self.shape[axis]
                remainder /= self.shape[axis]
                source += index * sourceStrides[axis]
                target += (index + full[axis].before) * targetStrides[axis]
            }
            return (source, target + (full.last?.before ?? 0))
        }
        for row in 0..<rows {
            let (source, target) = offsetOf(row)
            (result.pointer + target).update(from: pointer + source, count: rowLength)
        }
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            guard let dx = gradientBuffer() else { return }
            let g = outputGrad.pointer
            for row in 0..<rows {
                let (source, target) = offsetOf(row)
                for i in 0..<rowLength { dx[source + i] += g[target + i] }
            }
        }
        return result
    }

    /// Rows of this tensor (axis 0, the rest flattened) picked by index, in order: embedding
    /// lookup, end-of-text pooling. Repeated indices sum their gradients.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let rowSize = count / max(shape[0], 1)
        for index in indices {
            precondition(index >= 0 && index < shape[0], "row index \(index) out of range 0..<\(shape[0])")
        }
        let result = Tensor(uninitializedShape: [indices.count] + shape.dropFirst())
        for (row, index) in indices.enumerated() {
            (result.pointer + row * rowSize).update(from: pointer + index * rowSize, count: rowSize)
        }
        result.recordIfNeeded([self]) { [self] _, outputGrad in
            guard let dx = gradientBuffer() else { return }
            let g = outputGrad.pointer
            for (row, index) in indices.enumerated() {
                let rowGrad = g + row * rowSize, rowDX = dx + index * rowSize
                for i in 0..<rowSize { rowDX[i] += rowGrad[i] }
            }
        }
        return result
    }
}

func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = running
        running *= shape[axis]
    }
    return strides
}

/// Writes `target[i] = source[offset(i)]` for every output position `i` in row-major order of
/// `shape`, where `offset` uses `sourceStrides`.
private func permuteCopy(
    from source: UnsafeMutablePointer<Float>, to target: UnsafeMutablePointer<Float>, shape: [Int], sourceStrides: [Int]
) {
    let total = shape.reduce(1, *)
    guard total > 0 else { return }
    if shape.isEmpty {
        target[0] = source[0]
        return
    }
    var index = Array(repeating: 0, count: shape.count)
    var offset = 0
    let last = shape.count - 1
    for position in 0..<total {
        target[position] = source[offset]
        var axis = last
        while axis >= 0 {
            index[axis] += 1
            offset += sourceStrides[axis]
            if index[axis] < shape[axis] { break }
            offset -= sourceStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// The adjoint of `permuteCopy`: `target[offset(i)] += source[i]`.
private func permuteScatter(
    from source: UnsafeMutablePointer<Float>, to target: UnsafeMutablePointer<Float>, shape: [Int], targetStrides: [Int]
) {
    let total = shape.reduce(1, *)
    guard total > 0 else { return }
    if shape.isEmpty {
        target[0] += source[0]
        return
    }
    var index = Array(repeating: 0, count: shape.count)
    var offset = 0
    let last = shape.count - 1
    for position in 0..<total {
        target[offset] += source[position]
        var axis = last
        while axis >= 0 {
            index[axis] += 1
            offset += targetStrides[axis]
            if index[axis] < shape[axis] { break }
            offset -= targetStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}
