import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Picks distinct pixels of a saliency map where strokes start: each pixel with a positive value
/// v has probability proportional to exp(v / temperature), pixels at 0 are never chosen, and
/// the draws are without replacement (NumPy's `choice(replace=False, p=...)` semantics).
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
        let candidates = values.indices.filter { values[$0] > 0 }
        guard candidates.count >= count else { return nil }
        guard count > 0 else { return [] }
        // Shifting by the largest value leaves the softmax unchanged and keeps exp finite.
        let largest = Double(candidates.map { values[$0] }.max()!)
        var weights = candidates.map { exp((Double(values[$0]) - largest) / Double(temperature)) }
        var remaining = weights.reduce(0, +)
        var chosen: [Pixel] = []
        for _ in 0..<count {
            let target = Double(generator.nextUniform()) * remaining
            var cumulative = 0.0
            var pick = weights.lastIndex { $0 > 0 }!
            for (index, weight) in weights.enumerated() where weight > 0 {
                cumulative += weight
                if cumulative > target {
                    pick = index
                    break
                }
            }
            remaining -= weights[pick]
            weights[pick] = 0
            chosen.append(Pixel(x: candidates[pick] % width, y: candidates[pick] / width))
        }
        return chosen
    }
}
