import Foundation
@_spi(Testing) import Tensor
import TestSupport
import XCTest

/// conv2d forward, input, weight and bias gradients against a direct float64 convolution, on
/// shapes that take every path: feature maps large enough to be unfolded in bands of output rows
/// (with a partial last band), grouped small maps, strides, padding, kernels 1/3/4/7, several
/// images and several channel blocks. Every check runs through our path (im2col + sgemm,
/// Winograd) and through oneDNN's.
final class Conv2dReferenceTests: XCTestCase {
    private struct Shape {
        var batch: Int, inChannels: Int, height: Int, width: Int
        var outChannels: Int, kernel: Int, stride: Int, padding: Int
    }

    private func check(_ s: Shape, seed: UInt64, frozen: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        forEachConvolutionPath { path in check(s, seed: seed, frozen: frozen, path: path, file: file, line: line) }
    }

    private func check(
        _ s: Shape, seed: UInt64, frozen: Bool, path: ConvolutionImplementation, file: StaticString, line: UInt
    ) {
        let x = randomTensor([s.batch, s.inChannels, s.height, s.width], seed: seed)
        let weight = randomTensor([s.outChannels, s.inChannels, s.kernel, s.kernel], seed: seed + 1, -0.5, 0.5)
        let bias = randomTensor([s.outChannels], seed: seed + 2)
        x.requiresGrad = true
        weight.requiresGrad = !frozen
        bias.requiresGrad = !frozen
        let out = conv2d(x, weight: weight, bias: bias, stride: s.stride, padding: s.padding)
        let oh = (s.height + 2 * s.padding - s.kernel) / s.stride + 1, ow = (s.width + 2 * s.padding - s.kernel) / s.stride + 1
        XCTAssertEqual(out.shape, [s.batch, s.outChannels, oh, ow], file: file, line: line)
        let r = randomTensor(out.shape, seed: seed + 3)
        (out * r).sum().backward()

        let xv = x.values, wv = weight.values, bv = bias.values, rv = r.values, ov = out.values
        var ref = [Double](repeating: 0, count: out.count)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: weight.count)
        var db = [Double](repeating: 0, count: bias.count)
        let k = s.kernel
        for n in 0..<s.batch {
            for o in 0..<s.outChannels {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let oi = ((n * s.outChannels + o) * oh + y) * ow + xo
                        var sum = Double(bv[o])
                        let go = Double(rv[oi])
                        db[o] += go
                        for c in 0..<s.inChannels {
                            for ky in 0..<k {
                                let iy = y * s.stride - s.padding + ky
                                guard iy >= 0 && iy < s.height else { continue }
                                for kx in 0..<k {
                                    let ix = xo * s.stride - s.padding + kx
                                    guard ix >= 0 && ix < s.width else { continue }
                                    let xi = ((n * s.inChannels + c) * s.height + iy) * s.width + ix
                                    let wi = ((o * s.inChannels + c) * k + ky) * k + kx
                                    sum += Double(xv[xi]) * Double(wv[wi])
                                    dx[xi] += go * Double(wv[wi])
                                    dw[wi] += go * Double(xv[xi])
                                }
                            }
                        }
                        ref[oi] = sum
                    }
                }
            }
        }
        func compare(_ name: String, _ got: [Float], _ want: [Double]) {
            XCTAssertEqual(got.count, want.count, file: file, line: line)
            let scale = max(want.map { abs($0) }.max() ?? 0, 1e-6)
            var worst = 0.0
            for i in 0..<min(got.count, want.count) { worst = max(worst, abs(Double(got[i]) - want[i])) }
            XCTAssertLessThanOrEqual(worst / scale, 2e-5, "\(name) \(s) \(path)", file: file, line: line)
        }
        compare("output", ov, ref)
        compare("dx", x.grad?.values ?? [], dx)
        if frozen {
            XCTAssertNil(weight.grad, file: file, line: line)
        } else {
            compare("dweight", weight.grad?.values ?? [], dw)
            compare("dbias", bias.grad?.values ?? [], db)
        }
    }

    /// Each shape with trainable and with frozen weight and bias.
    private func checkEach(_ shapes: [Shape], firstSeed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        for (i, s) in shapes.enumerated() {
            check(s, seed: firstSeed + 10 * UInt64(i), file: file, line: line)
            check(s, seed: firstSeed + 10 * UInt64(i), frozen: true, file: file, line: line)
        }
    }

    func testBandedLargeMaps() {
        let shapes = [
            Shape(batch: 2, inChannels: 3, height: 130, width: 131, outChannels: 5, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 1, inChannels: 4, height: 261, width: 259, outChannels: 3, kernel: 3, stride: 2, padding: 1),
            Shape(batch: 2, inChannels: 2, height: 131, width: 128, outChannels: 3, kernel: 4, stride: 1, padding: 2),
            Shape(batch: 1, inChannels: 3, height: 263, width: 257, outChannels: 4, kernel: 7, stride: 2, padding: 3),
            Shape(batch: 2, inChannels: 5, height: 257, width: 263, outChannels: 3, kernel: 1, stride: 2, padding: 0),
            Shape(batch: 3, inChannels: 6, height: 129, width: 129, outChannels: 2, kernel: 1, stride: 1, padding: 0),
            Shape(batch: 1, inChannels: 50, height: 129, width: 128, outChannels: 3, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 1, inChannels: 1, height: 6000, width: 5, outChannels: 2, kernel: 3, stride: 1, padding: 0),
        ]
        checkEach(shapes, firstSeed: 100)
        // CLIP ResNet stems: input gradient through frozen weights.
        check(
            Shape(batch: 2, inChannels: 3, height: 258, width: 258, outChannels: 8, kernel: 3, stride: 2, padding: 1), seed: 300,
            frozen: true)
        check(
            Shape(batch: 2, inChannels: 8, height: 130, width: 129, outChannels: 4, kernel: 3, stride: 1, padding: 1), seed: 310,
            frozen: true)
    }

    func testSmallAndGroupedMaps() {
        let shapes = [
            Shape(batch: 5, inChannels: 7, height: 7, width: 7, outChannels: 4, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 5, inChannels: 7, height: 7, width: 7, outChannels: 4, kernel: 1, stride: 1, padding: 0),
            Shape(batch: 3, inChannels: 3, height: 15, width: 13, outChannels: 4, kernel: 4, stride: 2, padding: 1),
            Shape(batch: 2, inChannels: 3, height: 9, width: 11, outChannels: 2, kernel: 7, stride: 1, padding: 3),
            Shape(batch: 4, inChannels: 45, height: 14, width: 14, outChannels: 3, kernel: 3, stride: 1, padding: 1),
            // Groups split evenly, the last one partial (6 + 5 images of 7x7).
            Shape(batch: 11, inChannels: 3, height: 7, width: 7, outChannels: 4, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 11, inChannels: 5, height: 7, width: 7, outChannels: 3, kernel: 1, stride: 1, padding: 0),
        ]
        checkEach(shapes, firstSeed: 200)
    }

    /// 3x3, stride 1, padding 1 with at least 16 channels each way and enough tiles goes through
    /// Winograd's F(2x2, 3x3), forward and input gradient: odd sizes (partial tiles), several
    /// images, a map one row high, and more tiles than one block (130x131 with 16+16 channels).
    func testWinogradPath() {
        let shapes = [
            Shape(batch: 4, inChannels: 16, height: 15, width: 17, outChannels: 20, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 1, inChannels: 24, height: 30, width: 33, outChannels: 16, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 1, inChannels: 17, height: 33, width: 30, outChannels: 18, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 60, inChannels: 16, height: 1, width: 15, outChannels: 16, kernel: 3, stride: 1, padding: 1),
            Shape(batch: 1, inChannels: 16, height: 130, width: 131, outChannels: 16, kernel: 3, stride: 1, padding: 1),
        ]
        for s in shapes {
            XCTAssertTrue(
                Winograd.isUsed(
                    inputShape: [s.batch, s.inChannels, s.height, s.width], weightShape: [s.outChannels, s.inChannels, 3, 3],
                    stride: 1, padding: 1), "\(s)")
        }
        checkEach(shapes, firstSeed: 400)
        // Small batches of small maps stay with im2col.
        XCTAssertFalse(Winograd.isUsed(inputShape: [1, 512, 7, 7], weightShape: [512, 512, 3, 3], stride: 1, padding: 1))
    }

    /// A second use of the same input and weight adds its gradients onto the first's (Winograd's
    /// input gradient, oneDNN's input and weight gradients).
    func testGradientsAccumulate() {
        let x = randomTensor([2, 16, 21, 34], seed: 500)
        let weight = randomTensor([16, 16, 3, 3], seed: 501, -0.5, 0.5)
        XCTAssertTrue(Winograd.isUsed(inputShape: x.shape, weightShape: weight.shape, stride: 1, padding: 1))
        let r = randomTensor([2, 16, 21, 34], seed: 502)
        x.requiresGrad = true
        weight.requiresGrad = true
        forEachConvolutionPath { path in
            x.zeroGrad()
            weight.zeroGrad()
            (conv2d(x, weight: weight, padding: 1) * r).sum().backward()
            let once = x.grad!.values, onceWeight = weight.grad!.values
            x.zeroGrad()
            weight.zeroGrad()
            (conv2d(x, weight: weight, padding: 1) * r + conv2d(x, weight: weight, padding: 1) * r).sum().backward()
            XCTAssertEqual(x.grad!.values, once.map { 2 * $0 }, "\(path)")
            let scale = onceWeight.map(abs).max()!
            for (twice, single) in zip(weight.grad!.values, onceWeight) {
                XCTAssertEqual(twice, 2 * single, accuracy: 1e-5 * scale, "\(path)")
            }
        }
    }
}
