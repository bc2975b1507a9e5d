import Scene

/// SplitMix64: a tiny deterministic generator, so a failing random case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random valid scenes that exercise number formatting: arbitrary `Float` bit patterns in a
/// range, tiny and huge magnitudes, exact integers, and colour channels at and near 0 and 1.
enum RandomScenes {
    static func scene(_ generator: inout SeededGenerator) -> Scene {
        let width = Int.random(in: 1...1024, using: &generator)
        let height = Int.random(in: 1...1024, using: &generator)
        let background: RGBA? = Bool.random(using: &generator) ? color(&generator) : nil
        let paths = (0..<Int.random(in: 0...12, using: &generator)).map { _ in path(&generator) }
        return Scene(width: width, height: height, background: background, paths: paths)
    }

    static func path(_ generator: inout SeededGenerator) -> Path {
        let isClosed = Bool.random(using: &generator)
        let segments = Int.random(in: 1...6, using: &generator)
        let count = isClosed ? 3 * segments : 1 + 3 * segments
        return Path(
            points: (0..<count).map { _ in Point(coordinate(&generator), coordinate(&generator)) },
            isClosed: isClosed,
            strokeColor: Int.random(in: 0..<4, using: &generator) == 0 ? nil : color(&generator),
            strokeWidth: Bool.random(using: &generator)
                ? Float.random(in: 0...40, using: &generator) : special(&generator),
            fillColor: isClosed && Bool.random(using: &generator) ? color(&generator) : nil,
            fillRule: Bool.random(using: &generator) ? .evenOdd : .nonZero)
    }

    static func coordinate(_ generator: inout SeededGenerator) -> Float {
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return Float(Int.random(in: -50...300, using: &generator))
        case 1: return Float.random(in: -1e-3...1e-3, using: &generator)
        case 2: return Float.random(in: -1e7...1e7, using: &generator)
        default: return Float.random(in: -20...300, using: &generator)
        }
    }

    static func color(_ generator: inout SeededGenerator) -> RGBA {
        RGBA(channel(&generator), channel(&generator), channel(&generator), channel(&generator))
    }

    static func channel(_ generator: inout SeededGenerator) -> Float {
        switch Int.random(in: 0..<8, using: &generator) {
        case 0: return 0
        case 1: return 1
        case 2: return Float.random(in: 0...1e-5, using: &generator)
        case 3: return 1 - Float.random(in: 0...1e-6, using: &generator)
        case 4: return Float(Int.random(in: 0...255, using: &generator)) / 255
        default: return Float.random(in: 0...1, using: &generator)
        }
    }

    /// Stroke widths at the edges of the formatting rules.
    static func special(_ generator: inout SeededGenerator) -> Float {
        [0, 1, 0.5, 1e-6, 12345.678, Float.leastNonzeroMagnitude, 1e30].randomElement(using: &generator)!
    }
}
