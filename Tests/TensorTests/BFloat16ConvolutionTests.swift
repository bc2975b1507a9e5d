import Tensor
import TestSupport
import XCTest

/// `conv2dBFloat16` (RN101's convolutions under `--precision bf16`) against a float64 direct
/// convolution of the bf16-rounded operands: a product of two bf16 numbers is exact in float32,
/// so what remains is float32 accumulation, and the test can hold oneDNN to float32's tolerance
/// rather than to bf16's. A forward whose input needs a gradient stays float32 (see
/// `conv2dBFloat16`) and is held to the unrounded convolution. Shapes are RN101's kinds: its 3-channel strided stem, 3x3 and 1x1
/// layers, channel counts that are and are not multiples of oneDNN's blocks of 16.
final class BFloat16ConvolutionTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ReducedPrecisionRuntime.hasNativeBFloat16, "this CPU has no bf16 instructions")
    }

    /// Each element rounded to bf16 (nearest, ties to even), as float64.
    private func rounded(_ values: [Float]) -> [Double] {
        var bits = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            bits.withUnsafeMutableBufferPointer { convertToBFloat16(source.baseAddress!, $0.baseAddress!, count: values.count) }
        }
        return bits.map { Double(floatFromBFloat16($0)) }
    }

    private func check(
        batch: Int, inChannels: Int, size: Int, outChannels: Int, kernel: Int, stride: Int, seed: UInt64,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let padding = kernel / 2
        let x = randomTensor([batch, inChannels, size, size], seed: seed)
        let weight = randomTensor([outChannels, inChannels, kernel, kernel], seed: seed + 1, -0.5, 0.5)
        let bias = randomTensor([outChannels], seed: seed + 2)
        // Without a gradient to follow, the forward runs in bf16; the second call reads the bf16
        // weight the first one kept.
        let frozen = FrozenConvolutionWeight(weight)
        let target = conv2dBFloat16(x, frozenWeight: frozen, bias: bias, stride: stride, padding: padding)
        XCTAssertEqual(
            conv2dBFloat16(x, frozenWeight: frozen, bias: bias, stride: stride, padding: padding).values, target.values,
            file: file, line: line)
        x.requiresGrad = true
        let out = conv2dBFloat16(x, frozenWeight: frozen, bias: bias, stride: stride, padding: padding)
        let outSize = (size + 2 * padding - kernel) / stride + 1
        XCTAssertEqual(out.shape, [batch, outChannels, outSize, outSize], file: file, line: line)
        let direction = randomTensor(out.shape, seed: seed + 3)
        (out * direction).sum().backward()

        let xs = rounded(x.values), ws = rounded(weight.values), gs = rounded(direction.values), bs = bias.values
        let exactX = x.values.map(Double.init), exactWeight = weight.values.map(Double.init)
        var expected = [Double](repeating: 0, count: out.count), expectedGradient = [Double](repeating: 0, count: x.count)
        var expectedExact = expected
        for n in 0..<batch {
            for o in 0..<outChannels {
                for oy in 0..<outSize {
                    for ox in 0..<outSize {
                        let outIndex = ((n * outChannels + o) * outSize + oy) * outSize + ox
                        var sum = Double(bs[o]), exactSum = Double(bs[o])
                        for c in 0..<inChannels {
                            for ky in 0..<kernel {
                                let iy = oy * stride - padding + ky
                                guard (0..<size).contains(iy) else { continue }
                                for kx in 0..<kernel {
                                    let ix = ox * stride - padding + kx
                                    guard (0..<size).contains(ix) else { continue }
                                    let inIndex = ((n * inChannels + c) * size + iy) * size + ix
                                    let weightIndex = ((o * inChannels + c) * kernel + ky) * kernel + kx
                                    let w = ws[weightIndex]
                                    sum += xs[inIndex] * w
                                    exactSum += exactX[inIndex] * exactWeight[weightIndex]
                                    expectedGradient[inIndex] += gs[outIndex] * w
                                }
                            }
                        }
                        expected[outIndex] = sum
                        expectedExact[outIndex] = exactSum
                    }
                }
            }
        }
        let shape = "\(batch)x\(inChannels)x\(size)² -> \(outChannels), \(kernel)x\(kernel)/\(stride)"
        let checks = [
            ("bf16 output", target.values, expected), ("float32 output", out.values, expectedExact),
            ("input gradient", x.grad?.values ?? [], expectedGradient),
        ]
        for (name, got, want) in checks {
            XCTAssertEqual(got.count, want.count, "\(name) \(shape)", file: file, line: line)
            let scale = max(want.map(abs).max() ?? 0, 1e-6)
            let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst / scale, 2e-5, "\(name) \(shape)", file: file, line: line)
        }
        XCTAssertNil(weight.grad, "frozen", file: file, line: line)
    }

    func testStemShapes() {
        check(batch: 2, inChannels: 3, size: 17, outChannels: 32, kernel: 3, stride: 2, seed: 1)
        check(batch: 2, inChannels: 32, size: 9, outChannels: 32, kernel: 3, stride: 1, seed: 11)
    }

    func testBottleneckShapes() {
        check(batch: 3, inChannels: 64, size: 7, outChannels: 256, kernel: 1, stride: 1, seed: 21)
        check(batch: 1, inChannels: 256, size: 7, outChannels: 64, kernel: 1, stride: 1, seed: 31)
        check(batch: 2, inChannels: 24, size: 6, outChannels: 40, kernel: 3, stride: 1, seed: 41)
    }

    /// The rounding is of the operands only: a float32 convolution of the rounded operands is
    /// the same sum, so the two agree to float32 accumulation.
    func testMatchesFloat32OfRoundedOperands() {
        let x = randomTensor([2, 16, 8, 8], seed: 51), weight = randomTensor([32, 16, 3, 3], seed: 52)
        func roundedTensor(_ t: Tensor) -> Tensor { Tensor(shape: t.shape, values: rounded(t.values).map { Float($0) }) }
        let bf16 = conv2dBFloat16(x, frozenWeight: FrozenConvolutionWeight(weight), padding: 1).values
        let float32 = conv2d(roundedTensor(x), weight: roundedTensor(weight), padding: 1).values
        let scale = float32.map(abs).max()!
        XCTAssertLessThanOrEqual(zip(bf16, float32).map { abs($0 - $1) }.max()! / scale, 1e-5)
        let unrounded = conv2d(x, weight: weight, padding: 1).values
        XCTAssertGreaterThan(zip(bf16, unrounded).map { abs($0 - $1) }.max()! / scale, 1e-4, "bf16 rounds the operands")
    }
}
