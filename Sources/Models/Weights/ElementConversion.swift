import Tensor

/// Where a tensor's elements lie in its storage, counted in elements: PyTorch's storage offset,
/// sizes and strides. Checkpoints usually hold contiguous tensors, but `torch.save` writes views
/// as they are (a transposed matrix, a slice of a shared storage).
struct StridedLayout {
    let shape: [Int]
    let strides: [Int]
    let offset: Int

    /// Elements the tensor has, or nil if the layout is nonsense (negative sizes, overflow).
    var count: Int? {
        guard shape.allSatisfy({ $0 >= 0 }) else { return nil }
        var product = 1
        for size in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// How many storage elements the view reaches (one past its last element), or nil if it is
    /// invalid. A reader must check this against the storage before converting.
    var span: Int? {
        guard let count, shape.count == strides.count, offset >= 0, strides.allSatisfy({ $0 >= 0 }) else { return nil }
        guard count > 0 else { return offset }
        var last = offset
        for (size, stride) in zip(shape, strides) {
            let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowSum) = last.addingReportingOverflow(step)
            if overflow || overflowSum { return nil }
            last = sum
        }
        return last + 1
    }

    /// Row-major with no gaps (size-1 axes may have any stride).
    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }

    /// Converts the view's elements, stored as `type` from `storage` on, into a new contiguous
    /// float32 tensor. The caller has checked `span` against the storage.
    func makeFloatTensor(from storage: UnsafeRawPointer, type: ElementType) -> Tensor {
        let tensor = Tensor(uninitializedShape: shape)
        let destination = tensor.pointer
        let start = storage + offset * type.byteCount
        if isContiguous || tensor.count == 0 {
            Parallel.forEachChunk(tensor.count, grain: 1 << 18) { range in
                type.convert(
                    start + range.lowerBound * type.byteCount, stride: 1, count: range.count,
                    into: destination + range.lowerBound)
            }
            return tensor
        }
        // Walk the leading axes like an odometer; each step converts one row of the last axis.
        let rank = shape.count
        let rowLength = shape[rank - 1]
        let rowStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        var rowOffset = 0
        for row in 0..<(tensor.count / rowLength) {
            type.convert(
                start + rowOffset * type.byteCount, stride: rowStride, count: rowLength,
                into: destination + row * rowLength)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                rowOffset += strides[axis]
                if index[axis] < shape[axis] { break }
                rowOffset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return tensor
    }
}

extension ElementType {
    /// Converts `count` stored elements, `stride` elements apart, to float32. Every conversion is
    /// exact except float64 (rounded to nearest) and integers beyond 2^24.
    func convert(_ source: UnsafeRawPointer, stride: Int, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .float32 where stride == 1:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .float32: convertRun(source, stride, count, destination) { (value: Float) in value }
        case .float16: convertRun(source, stride, count, destination, floatFromHalf)
        case .bfloat16:
            convertRun(source, stride, count, destination) { (bits: UInt16) in Float(bitPattern: UInt32(bits) << 16) }
        case .float64: convertRun(source, stride, count, destination) { (value: Double) in Float(value) }
        case .int64: convertRun(source, stride, count, destination) { (value: Int64) in Float(value) }
        case .int32: convertRun(source, stride, count, destination) { (value: Int32) in Float(value) }
        case .int16: convertRun(source, stride, count, destination) { (value: Int16) in Float(value) }
        case .int8: convertRun(source, stride, count, destination) { (value: Int8) in Float(value) }
        case .uint8: convertRun(source, stride, count, destination) { (value: UInt8) in Float(value) }
        case .bool: convertRun(source, stride, count, destination) { (value: UInt8) in value != 0 ? 1 : 0 }
        }
    }
}

/// Stored elements are little-endian, like every machine this runs on; storages inside hand-made
/// zips need not be aligned, hence unaligned loads.
@inline(__always)
private func convertRun<Stored: BitwiseCopyable>(
    _ source: UnsafeRawPointer, _ stride: Int, _ count: Int, _ destination: UnsafeMutablePointer<Float>,
    _ convert: (Stored) -> Float
) {
    let step = stride * MemoryLayout<Stored>.size
    for index in 0..<count {
        destination[index] = convert(source.loadUnaligned(fromByteOffset: index * step, as: Stored.self))
    }
}

/// IEEE half -> single, exact for every input: normals are re-biased, subnormals scaled by 2^-24
/// (exact in float32), infinities and NaNs keep their payload in the widened significand.
@inline(__always)
private func floatFromHalf(_ half: UInt16) -> Float {
    let sign = UInt32(half & 0x8000) << 16
    let magnitude = UInt32(half & 0x7FFF)
    switch magnitude & 0x7C00 {
    case 0x7C00: return Float(bitPattern: sign | 0x7F80_0000 | (magnitude & 0x03FF) << 13)
    case 0: return Float(bitPattern: sign | (Float(magnitude) * 0x1p-24).bitPattern)
    default: return Float(bitPattern: sign | ((magnitude << 13) + ((127 - 15) << 23)))
    }
}
