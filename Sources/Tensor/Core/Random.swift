/// Deterministic randomness: every random choice in a run flows from one seed through this.
///
/// SplitMix64 (Steele, Lea & Flood 2014): tiny state, good statistical quality, and a pure
/// function of (seed, counter), which also lets the PyTorch fixture script in `Tools/` reproduce
/// the exact same "random" weights without committing them (see `counterUniform`).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator continuing from `currentState` (a resumed run's).
    public init(state: UInt64) { self.state = state }

    /// Where the stream stands: a checkpoint stores it, `init(state:)` continues from it.
    public var currentState: UInt64 { state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededGenerator.mix(state)
    }

    /// SplitMix64's finaliser.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits, exactly representable in float32.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    public mutating func nextUniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUniform()
    }

    /// Standard normal (Box–Muller; one value per call keeps the stream simple to mirror).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2.0 * log(max(u1, 1e-300))).squareRoot()
        return Float(radius * cos(2.0 * Double.pi * u2))
    }

    /// Integer in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "empty range")
        return Int(next() % UInt64(bound))
    }

    /// Counter-based uniform in [0, 1): element `index` of stream `seed`, independent of order.
    /// Mirrored by `counter_uniform` in `Tools/fixtures/reference_setup.py`.
    public static func counterUniform(seed: UInt64, index: UInt64) -> Float {
        let bits = mix(seed &* 0x9E37_79B9_7F4A_7C15 &+ index &+ 1)
        return Float(bits >> 40) * (1.0 / 16_777_216.0)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Tensor {
    /// Uniform values in [low, high) from `generator`.
    public static func uniform(_ shape: [Int], _ low: Float, _ high: Float, generator: inout SeededGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        for index in 0..<result.count { result.pointer[index] = generator.nextUniform(low, high) }
        return result
    }

    /// Normal values with the given mean and standard deviation from `generator`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        for index in 0..<result.count { result.pointer[index] = mean + std * generator.nextNormal() }
        return result
    }
}
