@_spi(Testing) import Tensor
import TestSupport
import XCTest

/// `frozenBottlenecks` (a CLIP ResNet stage as one op, masks as bits) against the same blocks
/// recorded layer by layer with `normalizedConvolutions` and `avgPool2d` (which
/// NormalizedConvolutionTests hold to the unfused ops): the same output bit for bit, the same
/// input gradient up to the order in which a block's paths are summed; and its backward against
/// finite differences. The stage has each kind of RN101 block: a projection at stride 1
/// (layer1's first), plain blocks, and a strided projection (layer2-4's first), on maps whose
/// planes are not multiples of 8 (so bit masks cross byte boundaries).
final class FrozenBottleneckTests: XCTestCase {
    private func layer(_ inChannels: Int, _ outChannels: Int, kernel: Int, seed: UInt64, arithmetic: ConvolutionArithmetic)
        -> FrozenNormalizedConvolution
    {
        let weight = randomTensor([outChannels, inChannels, kernel, kernel], seed: seed, -0.5, 0.5)
        let layer = FrozenNormalizedConvolution(
            weight: FrozenConvolutionWeight(weight), mean: randomTensor([outChannels], seed: seed + 1, -0.2, 0.2),
            variance: randomTensor([outChannels], seed: seed + 2, 0.3, 1.5), gamma: randomTensor([outChannels], seed: seed + 3, 0.5, 1.5),
            beta: randomTensor([outChannels], seed: seed + 4, -0.3, 0.5), padding: kernel / 2)
        layer.arithmetic = arithmetic
        return layer
    }

    private func block(_ inChannels: Int, planes: Int, stride: Int, seed: UInt64, arithmetic: ConvolutionArithmetic = .fp32)
        -> FrozenBottleneck
    {
        FrozenBottleneck(
            reduce: layer(inChannels, planes, kernel: 1, seed: seed, arithmetic: arithmetic),
            spatial: layer(planes, planes, kernel: 3, seed: seed + 10, arithmetic: arithmetic),
            expand: layer(planes, planes * 4, kernel: 1, seed: seed + 20, arithmetic: arithmetic),
            downsample: stride > 1 || inChannels != planes * 4
                ? layer(inChannels, planes * 4, kernel: 1, seed: seed + 30, arithmetic: arithmetic) : nil,
            stride: stride)
    }

    /// 8 channels in; a projection block, a plain one, a strided projection, a plain one.
    private func stage(arithmetic: ConvolutionArithmetic = .fp32) -> [FrozenBottleneck] {
        [
            block(8, planes: 4, stride: 1, seed: 1, arithmetic: arithmetic),
            block(16, planes: 4, stride: 1, seed: 2, arithmetic: arithmetic),
            block(16, planes: 8, stride: 2, seed: 3, arithmetic: arithmetic),
            block(32, planes: 8, stride: 1, seed: 4, arithmetic: arithmetic),
        ]
    }

    /// The blocks layer by layer, as ModifiedResNet recorded them before they were fused.
    private func layerByLayer(_ x: Tensor, _ blocks: [FrozenBottleneck]) -> Tensor {
        var x = x
        for block in blocks {
            var out = normalizedConvolutions([(x, block.reduce)], relu: true)
            out = normalizedConvolutions([(out, block.spatial)], relu: true)
            if block.stride > 1 { out = avgPool2d(out, kernel: block.stride, stride: block.stride) }
            if let downsample = block.downsample {
                let identity = block.stride > 1 ? avgPool2d(x, kernel: block.stride, stride: block.stride) : x
                x = normalizedConvolutions([(out, block.expand), (identity, downsample)], relu: true)
            } else {
                x = normalizedConvolutions([(out, block.expand)], adding: x, relu: true)
            }
        }
        return x
    }

    private func outputAndGradient(_ x: Tensor, _ run: (Tensor) -> Tensor) -> (output: [Float], gradient: [Float]) {
        x.zeroGrad()
        x.requiresGrad = true
        defer { x.requiresGrad = false }
        let output = run(x)
        (output * randomTensor(output.shape, seed: 77)).sum().backward()
        return (output.values, x.grad!.values)
    }

    private func assertMatchesLayerByLayer(
        _ blocks: [FrozenBottleneck], batch: Int, size: Int, file: StaticString = #filePath, line: UInt = #line
    ) {
        let x = randomTensor([batch, 8, size, size], seed: 9)
        let fused = outputAndGradient(x) { frozenBottlenecks($0, blocks) }
        let reference = outputAndGradient(x) { layerByLayer($0, blocks) }
        XCTAssertEqual(fused.output, reference.output, "output", file: file, line: line)
        XCTAssertTrue(
            fused.output.contains { $0 == 0 } && fused.output.contains { $0 > 0 }, "both sides of the ReLU", file: file, line: line)
        let scale = reference.gradient.map { Swift.abs($0) }.max()!
        let worst = zip(fused.gradient, reference.gradient).map { Swift.abs($0 - $1) }.max()!
        XCTAssertGreaterThan(scale, 0, file: file, line: line)
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "input gradient: worst difference \(worst) of \(scale)", file: file, line: line)
        // Without a gradient (a target photo's features): the same values, nothing recorded.
        let constant = frozenBottlenecks(x, blocks)
        XCTAssertFalse(constant.needsGrad, file: file, line: line)
        XCTAssertEqual(constant.values, layerByLayer(x, blocks).values, file: file, line: line)
    }

    func testMatchesTheBlocksLayerByLayerOnEachConvolutionPath() {
        // 2 images of 13x13 (169-element planes); 5 of 14x14 for Winograd's path on the 3x3s.
        forEachConvolutionPath { _ in
            assertMatchesLayerByLayer(stage(), batch: 2, size: 13)
            assertMatchesLayerByLayer(stage(), batch: 5, size: 14)
        }
    }

    func testMatchesTheBlocksLayerByLayerInBFloat16() throws {
        try XCTSkipUnless(ReducedPrecisionRuntime.hasNativeBFloat16, "this CPU has no bf16 instructions")
        assertMatchesLayerByLayer(stage(arithmetic: .bf16), batch: 2, size: 13)
    }

    /// The stem (RN101's: a strided 3-channel convolution, two more, an average pool) likewise.
    func testStemMatchesItsLayersOneByOne() {
        let first = layer(3, 8, kernel: 3, seed: 40, arithmetic: .fp32)
        let stem = [
            FrozenNormalizedConvolution(
                weight: first.weight, mean: randomTensor([8], seed: 41, -0.2, 0.2), variance: randomTensor([8], seed: 42, 0.3, 1.5),
                gamma: randomTensor([8], seed: 43, 0.5, 1.5), beta: randomTensor([8], seed: 44, -0.3, 0.5), stride: 2, padding: 1),
            layer(8, 8, kernel: 3, seed: 50, arithmetic: .fp32), layer(8, 16, kernel: 3, seed: 60, arithmetic: .fp32),
        ]
        let x = randomTensor([2, 3, 27, 27], seed: 11)
        forEachConvolutionPath { _ in
            let fused = outputAndGradient(x) { frozenStem($0, stem, averagePool: 2) }
            let reference = outputAndGradient(x) { x in
                avgPool2d(stem.reduce(x) { normalizedConvolutions([($0, $1)], relu: true) }, kernel: 2, stride: 2)
            }
            XCTAssertEqual(fused.output, reference.output)
            let scale = reference.gradient.map { Swift.abs($0) }.max()!
            let worst = zip(fused.gradient, reference.gradient).map { Swift.abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "input gradient: worst difference \(worst) of \(scale)")
        }
        checkGradients([randomTensor([1, 3, 9, 9], seed: 12)], tolerance: 1e-2, step: 1e-3) { frozenStem($0[0], stem, averagePool: 2) }
    }

    func testGradientMatchesFiniteDifferences() {
        let blocks = Array(stage().prefix(3))
        checkGradients([randomTensor([1, 8, 7, 7], seed: 21)], tolerance: 1e-2, step: 1e-3) { frozenBottlenecks($0[0], blocks) }
    }

    /// The tape keeps the stage's output map alone (its masks are bits outside tensor storage),
    /// where layer by layer it keeps a map per convolution.
    func testKeepsOnlyTheOutputMap() {
        let blocks = stage()
        let x = randomTensor([2, 8, 13, 13], seed: 5)
        x.requiresGrad = true
        let live = Storage.liveFloats
        let output = frozenBottlenecks(x, blocks)
        XCTAssertEqual(Storage.liveFloats - live, output.count, "floats held after the op, beyond its output")
        let layered = layerByLayer(x, blocks)
        XCTAssertGreaterThan(Storage.liveFloats - live - output.count, 4 * layered.count, "layer by layer keeps more")
    }
}
