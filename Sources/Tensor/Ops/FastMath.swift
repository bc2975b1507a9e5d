/// Branch-free float approximations that the compiler can vectorise.
///
/// libm's `expf`/`erff` are correct but scalar calls; activations over a 400x3072 block would
/// then cost more than the block's matrix products. These stay within a few float ulps.
enum FastMath {
    /// e^x, Cephes-style: 2^n * e^r with |r| <= ln2/2 and a degree-6 polynomial.
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        let x = min(max(input, -87.0), 88.0)
        // Round x*log2(e) to nearest with the 1.5*2^23 trick (no libm call, vectorisable).
        let shifted = x * 1.442_695_04 + 12_582_912.0
        let n = shifted - 12_582_912.0
        let r = (x - n * 0.693_359_375) + n * 2.121_944_4e-4
        var p: Float = 1.987_569_1e-4
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5.000_000_1e-1
        let poly = p * r * r + r + 1
        let exponentBits = UInt32(truncatingIfNeeded: Int32(n) + 127) << 23
        return poly * Float(bitPattern: exponentBits)
    }

    /// Logistic sigmoid.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// erf with Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let sign: Float = x < 0 ? -1 : 1
        let a = abs(x)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        return sign * (1 - p * t * exp(-a * a))
    }
}
