/// NumPy-style broadcasting of two shapes, walked row by row.
///
/// The output is visited as rows of its last dimension; per row each operand has a base offset
/// and an inner stride (1, or 0 where it is broadcast), so kernels run a tight inner loop with no
/// per-element index arithmetic.
struct Broadcast {
    let shape: [Int]
    let count: Int
    let rowLength: Int
    let rowCount: Int
    private let outerShape: [Int]
    private let outerStridesA: [Int]
    private let outerStridesB: [Int]
    let innerStrideA: Int
    let innerStrideB: Int

    /// Fails with a message when the shapes cannot broadcast.
    init?(_ a: [Int], _ b: [Int]) {
        let rank = max(a.count, b.count, 1)
        let paddedA = Array(repeating: 1, count: rank - a.count) + a
        let paddedB = Array(repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (sizeA, sizeB) in zip(paddedA, paddedB) {
            guard sizeA == sizeB || sizeA == 1 || sizeB == 1 else { return nil }
            shape.append(sizeA == 1 ? sizeB : sizeA)
        }
        func strides(_ padded: [Int]) -> [Int] {
            var result = Array(repeating: 0, count: rank)
            var running = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                result[axis] = padded[axis] == 1 ? 0 : running
                running *= padded[axis]
            }
            return result
        }
        let stridesA = strides(paddedA)
        let stridesB = strides(paddedB)
        self.shape = a.isEmpty && b.isEmpty ? [] : shape
        count = shape.reduce(1, *)
        rowLength = shape[rank - 1]
        rowCount = rowLength == 0 ? 0 : count / rowLength
        outerShape = Array(shape.dropLast())
        outerStridesA = Array(stridesA.dropLast())
        outerStridesB = Array(stridesB.dropLast())
        innerStrideA = stridesA[rank - 1]
        innerStrideB = stridesB[rank - 1]
    }

    /// Base offsets of row `row` in each operand.
    @inline(__always)
    func rowOffsets(_ row: Int) -> (a: Int, b: Int) {
        var remainder = row
        var offsetA = 0
        var offsetB = 0
        for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
            let index = remainder % outerShape[axis]
            remainder /= outerShape[axis]
            offsetA += index * outerStridesA[axis]
            offsetB += index * outerStridesB[axis]
        }
        return (offsetA, offsetB)
    }
}
