import Tensor
import TestSupport
import XCTest

/// The int8 and bf16 linear layers (`--precision`): the codes stand for their values within half
/// a step, and the products equal a float64 product of exactly the operands the codes stand for,
/// forward and input gradient (only float32 rounding of the dequantisation differs).
final class ReducedPrecisionMatmulTests: XCTestCase {
    private func uniform(_ shape: [Int], seed: UInt64, _ low: Float = -1, _ high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, low, high, generator: &generator)
    }

    func testChannelCodesStandForTheWeightWithinHalfAStep() {
        // Rows of very different ranges, one all zero.
        let weight = uniform([7, 45], seed: 1)
        for i in 0..<45 {
            weight.pointer[2 * 45 + i] *= 1e-3
            weight.pointer[4 * 45 + i] *= 40
            weight.pointer[5 * 45 + i] = 0
        }
        let quantized = ChannelQuantizedWeight(weight)
        for o in 0..<7 {
            let row = (0..<45).map { weight.pointer[o * 45 + $0] }
            let codes = (0..<45).map { Int(quantized.codes[o * 45 + $0]) }
            XCTAssertTrue(codes.allSatisfy { (-127...127).contains($0) }, "row \(o) codes in range")
            XCTAssertEqual(quantized.rowSums[o], Int32(codes.reduce(0, +)), "row \(o) sum")
            if o == 5 {
                XCTAssertEqual(codes, Array(repeating: 0, count: 45), "a zero channel stays zero")
                continue
            }
            XCTAssertEqual(codes.map(abs).max(), 127, "row \(o): its largest weight gets the largest code")
            XCTAssertEqual(quantized.scales[o], row.map(abs).max()! / 127, accuracy: 1e-7 * quantized.scales[o] * 127)
            for i in 0..<45 {
                XCTAssertLessThanOrEqual(
                    abs(quantized.dequantized(o, i) - row[i]), quantized.scales[o] * 0.500_01, "row \(o) column \(i)")
            }
        }
        for i in 0..<45 {
            XCTAssertEqual(quantized.columnSums[i], (0..<7).map { Int32(quantized.codes[$0 * 45 + i]) }.reduce(0, +))
        }
    }

    func testRowCodesStandForTheirRowWithinHalfAStepAndZeroIsExact() {
        let x = uniform([5, 33], seed: 2)
        for c in 0..<33 {
            x.pointer[33 + c] = abs(x.pointer[33 + c]) * 6  // all positive (after a ReLU)
            x.pointer[66 + c] = -abs(x.pointer[66 + c]) * 1e-4  // all negative, tiny
            x.pointer[99 + c] = 0  // all zero
        }
        x.pointer[5] = 0
        let columnScales = (0..<33).map { Float(1 + $0 % 3) }
        for levels in [255, 127] {
            for scaled in [false, true] {
                let quantized = columnScales.withUnsafeBufferPointer {
                    RowQuantizedMatrix(x.pointer, rows: 5, columns: 33, columnScales: scaled ? $0.baseAddress! : nil, levels: levels)
                }
                defer { quantized.deallocate() }
                for r in 0..<5 {
                    let row = (0..<33).map { x.pointer[r * 33 + $0] * (scaled ? columnScales[$0] : 1) }
                    let low = min(0, row.min()!), high = max(0, row.max()!)
                    if high > low {
                        XCTAssertEqual(quantized.scales[r], (high - low) / Float(levels), accuracy: 1e-6 * (high - low))
                    }
                    XCTAssertTrue((0...Int32(levels)).contains(quantized.zeroPoints[r]))
                    for c in 0..<33 {
                        XCTAssertLessThanOrEqual(Int(quantized.codes[r * 33 + c]), levels)
                        XCTAssertLessThanOrEqual(
                            abs(quantized.dequantized(r, c) - row[c]), quantized.scales[r] * 0.500_1,
                            "levels \(levels) row \(r) column \(c)")
                    }
                }
                XCTAssertEqual(quantized.dequantized(0, 5), 0, "an exact zero comes back exactly")
                XCTAssertEqual((0..<33).map { quantized.dequantized(3, $0) }, Array(repeating: 0, count: 33))
            }
        }
    }

    /// y = x·Wᵀ + b against float64 sums of the dequantised operands; then the input gradient,
    /// whose operands are the output gradient times the channel scales (quantised per row) and
    /// the weight codes.
    func testInt8LinearIsTheProductOfTheOperandsItsCodesStandFor() {
        let rows = 15, inFeatures = 67, outFeatures = 29
        let weight = uniform([outFeatures, inFeatures], seed: 3, -0.3, 0.3), bias = uniform([outFeatures], seed: 4)
        let upstream = uniform([3, 5, outFeatures], seed: 6)
        for levels in [255, 127] {
            let x = uniform([3, 5, inFeatures], seed: 5, -2, 3)
            x.requiresGrad = true
            let layer = Int8LinearWeight(weight, activationLevels: levels)
            let y = layer.linear(x, bias: bias)
            XCTAssertEqual(y.shape, [3, 5, outFeatures])
            let input = RowQuantizedMatrix(x.pointer, rows: rows, columns: inFeatures, levels: levels)
            defer { input.deallocate() }
            for r in 0..<rows {
                for o in 0..<outFeatures {
                    var sum = Double(bias.pointer[o]), magnitude = abs(sum)
                    for i in 0..<inFeatures {
                        let term = Double(input.dequantized(r, i)) * Double(layer.weight.dequantized(o, i))
                        sum += term
                        magnitude += abs(term)
                    }
                    XCTAssertEqual(
                        Double(y.pointer[r * outFeatures + o]), sum, accuracy: 1e-6 * magnitude, "levels \(levels) y[\(r), \(o)]")
                }
            }

            (y * upstream).sum().backward()
            let gradient = layer.weight.scales.withUnsafeBufferPointer {
                RowQuantizedMatrix(upstream.pointer, rows: rows, columns: outFeatures, columnScales: $0.baseAddress!, levels: levels)
            }
            defer { gradient.deallocate() }
            let dx = x.grad!.pointer
            for r in 0..<rows {
                for i in 0..<inFeatures {
                    var sum = 0.0, magnitude = 0.0
                    for o in 0..<outFeatures {
                        let term = Double(gradient.dequantized(r, o)) * Double(layer.weight.codes[o * inFeatures + i])
                        sum += term
                        magnitude += abs(term)
                    }
                    XCTAssertEqual(Double(dx[r * inFeatures + i]), sum, accuracy: 1e-6 * magnitude, "levels \(levels) dx[\(r), \(i)]")
                }
            }
        }
    }

    /// The quantisation error itself stays small next to float32 on values like a layer's.
    func testInt8LinearIsCloseToFloat32() {
        let weight = uniform([96, 128], seed: 7, -0.1, 0.1), x = uniform([40, 128], seed: 8)
        let exact = linear(x, weight: weight).values
        let approximate = Int8LinearWeight(weight).linear(x).values
        XCTAssertLessThan(relativeL2(approximate, exact), 0.02)
    }

    func testBFloat16RoundsToNearestEven() {
        let values: [Float] = [1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, -2.5, 0, .infinity, 3.389_531_4e38]
        var bits = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            bits.withUnsafeMutableBufferPointer { convertToBFloat16(source.baseAddress!, $0.baseAddress!, count: values.count) }
        }
        XCTAssertEqual(bits, [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xC020, 0x0000, 0x7F80, 0x7F7F])
        let random = uniform([1000], seed: 9, -50, 50)
        var randomBits = [UInt16](repeating: 0, count: 1000)
        randomBits.withUnsafeMutableBufferPointer { convertToBFloat16(random.pointer, $0.baseAddress!, count: 1000) }
        for (index, bit) in randomBits.enumerated() {
            let value = random.pointer[index]
            XCTAssertLessThanOrEqual(abs(floatFromBFloat16(bit) - value), abs(value) * 0x1p-8, "\(value)")
        }
    }

    func testBFloat16LinearIsTheProductOfItsRoundedOperands() throws {
        try XCTSkipUnless(ReducedPrecisionRuntime.hasNativeBFloat16, "this CPU has no bf16 instructions")
        let rows = 15, inFeatures = 67, outFeatures = 29
        let weight = uniform([outFeatures, inFeatures], seed: 10), bias = uniform([outFeatures], seed: 11)
        let x = uniform([rows, inFeatures], seed: 12)
        x.requiresGrad = true
        let layer = BFloat16LinearWeight(weight)
        let y = layer.linear(x, bias: bias)
        func rounded(_ value: Float) -> Double {
            var bits: UInt16 = 0
            var source = value
            convertToBFloat16(&source, &bits, count: 1)
            return Double(floatFromBFloat16(bits))
        }
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = Double(bias.pointer[o]), magnitude = abs(sum)
                for i in 0..<inFeatures {
                    let term = rounded(x.pointer[r * inFeatures + i]) * Double(floatFromBFloat16(layer.bits[o * inFeatures + i]))
                    sum += term
                    magnitude += abs(term)
                }
                XCTAssertEqual(Double(y.pointer[r * outFeatures + o]), sum, accuracy: 1e-6 * magnitude)
            }
        }
        let upstream = uniform([rows, outFeatures], seed: 13)
        (y * upstream).sum().backward()
        for r in 0..<rows {
            for i in 0..<inFeatures {
                var sum = 0.0, magnitude = 0.0
                for o in 0..<outFeatures {
                    let term = rounded(upstream.pointer[r * outFeatures + o]) * Double(floatFromBFloat16(layer.bits[o * inFeatures + i]))
                    sum += term
                    magnitude += abs(term)
                }
                XCTAssertEqual(Double(x.grad!.pointer[r * inFeatures + i]), sum, accuracy: 1e-6 * magnitude)
            }
        }
    }

    private func relativeL2(_ a: [Float], _ b: [Float]) -> Float {
        let difference = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        return (difference / b.map { $0 * $0 }.reduce(0, +)).squareRoot()
    }
}
