// Row reductions with explicit 8-lane accumulators.
//
// Without fast-math the compiler must add floats in source order, so a plain `total += x` loop
// never vectorises — and a loop that both computes and accumulates (exp then sum) loses its
// vectorisation too. These helpers keep the reduction separate and 8-wide; the different
// summation order is also slightly more accurate for long rows.

@inline(__always)
func sumOf(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
    // Two independent chains: one chain waits on the adder's latency, not on the loads.
    var lanes = SIMD8<Float>(), lanes2 = SIMD8<Float>()
    var i = 0
    while i + 16 <= count {
        lanes += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
        lanes2 += UnsafeRawPointer(values + i + 8).loadUnaligned(as: SIMD8<Float>.self)
        i += 16
    }
    lanes += lanes2
    while i + 8 <= count {
        lanes += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        total += values[i]
        i += 1
    }
    return total
}

/// Sum of a long array (a loss over a whole activation): fixed blocks of 32K values summed in
/// parallel, then the block sums in order, so the result does not depend on the thread count.
/// On one thread, summing a 400 x 3072 activation left the other core idle.
func blockedSum(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
    let block = 32_768
    let blocks = (count + block - 1) / block
    guard blocks > 1 else { return sumOf(values, count) }
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: blocks)
    defer { partials.deallocate() }
    Parallel.forEachChunk(blocks, grain: 1) { range in
        for index in range {
            let start = index * block
            partials[index] = sumOf(values + start, min(block, count - start))
        }
    }
    return sumOf(partials, blocks)
}

@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        total += a[i] * b[i]
        i += 1
    }
    return total
}

/// Sum of squared deviations from `mean` (a variance numerator).
@inline(__always)
func squaredDeviationSum(_ values: UnsafePointer<Float>, _ count: Int, mean: Float) -> Float {
    var lanes = SIMD8<Float>()
    let center = SIMD8<Float>(repeating: mean)
    var i = 0
    while i + 8 <= count {
        let d = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self) - center
        lanes += d * d
        i += 8
    }
    var total = lanes.sum()
    while i < count {
        let d = values[i] - mean
        total += d * d
        i += 1
    }
    return total
}

@inline(__always)
func maximumOf(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
        // Not `pointwiseMax`: the standard library's generic version is not inlined here and
        // cost more than the rest of attention's softmax. A compare-and-select is one vmaxps.
        let next = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
        lanes.replace(with: next, where: next .> lanes)
        i += 8
    }
    var result = lanes[0]
    for lane in 1..<8 { result = max(result, lanes[lane]) }
    while i < count {
        result = max(result, values[i])
        i += 1
    }
    return result
}
