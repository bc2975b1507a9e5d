import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Picks distinct pixels of a saliency map where strokes start: each pixel with a positive value
/// v has probability proportional to exp(v / temperature), pixels at 0 are never chosen, and
/// the draws are without replacement, made as NumPy's `choice(size=count, replace=False, p=...)`
/// makes them (numpy/random/mtrand.pyx, `RandomState.choice`): one uniform per pixel still
/// missing, each looked up in the cumulative distribution, repeats dropped (first occurrence
/// kept), the chosen pixels' mass removed, again until enough are chosen. Given the same
/// uniforms, the same pixels in the same order as CLIPasso's `np.random.choice` call
/// (models/painter_params.py, `set_attention_threshold_map`).
public enum SaliencySampler {
    public struct Pixel: Equatable, Hashable, Sendable {
        public var x: Int
        public var y: Int
        public init(x: Int, y: Int) {
            self.x = x
            self.y = y
        }
    }

    /// `count` distinct pixels of `map` [H, W] in the order drawn, or `nil` when fewer than
    /// `count` pixels are positive.
    public static func sample(_ map: Tensor, count: Int, temperature: Float, generator: inout SeededGenerator) -> [Pixel]? {
        precondition(map.rank == 2, "a saliency map is [H, W], got \(map.shape)")
        precondition(temperature > 0, "temperature must be positive, got \(temperature)")
        let width = map.shape[1]
        let values = map.values
        // Pixels at 0 have no mass: leaving them out of the cumulative sum changes no lookup.
        let candidates = values.indices.filter { values[$0] > 0 }
        guard candidates.count >= count else { return nil }
        guard count > 0 else { return [] }
        // Shifting by the largest value leaves the softmax unchanged and keeps exp finite.
        let largest = Double(candidates.map { values[$0] }.max()!)
        var weights = candidates.map { exp((Double(values[$0]) - largest) / Double(temperature)) }
        var chosen: [Int] = []
        while chosen.count < count {
            let uniforms = (0..<(count - chosen.count)).map { _ in Double(generator.nextUniform()) }
            for index in chosen { weights[index] = 0 }
            var cumulative = [Double](repeating: 0, count: weights.count)
            var sum = 0.0
            for (index, weight) in weights.enumerated() {
                sum += weight
                cumulative[index] = sum
            }
            for index in cumulative.indices { cumulative[index] /= sum }
            var fresh = Set<Int>()
            for uniform in uniforms {
                // searchsorted(side="right"): the first entry above the uniform.
                var low = 0, high = cumulative.count
                while low < high {
                    let middle = (low + high) / 2
                    if cumulative[middle] <= uniform { low = middle + 1 } else { high = middle }
                }
                let pick = min(low, cumulative.count - 1)
                if fresh.insert(pick).inserted { chosen.append(pick) }
            }
        }
        return chosen.map { Pixel(x: candidates[$0] % width, y: candidates[$0] / width) }
    }
}
