import Foundation
import Raster
import Scene
import Tensor
import TestSupport
import XCTest

/// The rasterizer's gradients against central finite differences of its own forward pass, for
/// a loss that weighs every pixel and channel by a fixed random weight.
final class RasterGradientTests: XCTestCase {
    /// Step for control points and stroke radii, in output pixels: well inside the one-pixel
    /// antialiasing ramp, so the difference quotient sees the boundary term smoothly.
    private let geometryStep: Float = 0.1
    private let colorStep: Float = 0.01

    func testStrokes() {
        for seed: UInt64 in 1...3 {
            let scene = RandomRasterScenes.scene(seed: seed, size: 64, strokes: 6, fills: 0)
            check(scene, size: 64, channels: .rgb, label: "strokes seed \(seed)")
        }
    }

    func testFillsUnderBothRulesWithStrokes() {
        var rules = Set<FillRule>()
        for seed: UInt64 in 11...13 {
            let scene = RandomRasterScenes.scene(seed: seed, size: 64, strokes: 3, fills: 3, widths: 1...8)
            rules.formUnion(scene.paths.filter(\.isClosed).map(\.fillRule))
            check(scene, size: 64, channels: .rgb, label: "fills seed \(seed)")
        }
        XCTAssertEqual(rules, [.nonZero, .evenOdd])
    }

    func testTransparentBackgroundRGBA() {
        var scene = RandomRasterScenes.scene(
            seed: 21, size: 64, strokes: 4, fills: 2, widths: 2...12, alphas: 0.5...0.9)
        scene.background = nil
        check(scene, size: 64, channels: .rgba, label: "rgba transparent")
    }

    func testScaledOutput() {
        let scene = RandomRasterScenes.scene(seed: 31, size: 40, strokes: 4, fills: 1, widths: 1...10)
        check(scene, size: 60, channels: .rgb, label: "40 -> 60 px")
    }

    private func check(_ scene: Scene, size: Int, channels: RasterChannels, label: String) {
        let parameters = SceneParameters(scene)
        let planes = channels == .rgb ? 3 : 4
        var generator = SeededGenerator(seed: 99)
        let weights = Tensor.uniform([planes, size, size], -1, 1, generator: &generator)

        let image = rasterize(parameters, width: size, height: size, channels: channels)
        (seenOnWhite(image) * weights).sum().backward()

        let canvasPerPixel = Float(scene.width) / Float(size)
        let quantities: [(String, Tensor, Float)] = [
            ("points", parameters.points, geometryStep * canvasPerPixel),
            ("stroke widths", parameters.strokeWidths, 2 * geometryStep * canvasPerPixel),
            ("stroke colours", parameters.strokeColors, colorStep),
            ("fill colours", parameters.fillColors, colorStep),
        ]
        for (name, tensor, step) in quantities {
            let analytic = tensor.grad?.values ?? [Float](repeating: 0, count: tensor.count)
            let numeric = centralDifferences(of: tensor, step: step) {
                loss(parameters, weights, size: size, channels: channels)
            }
            let numericNorm = norm(numeric)
            guard numericNorm > 0 else {
                XCTAssertEqual(norm(analytic), 0, "\(label), \(name): gradient where the loss does not change")
                continue
            }
            let cosine = dot(analytic, numeric) / max(norm(analytic) * numericNorm, 1e-30)
            let relativeError = norm(zip(analytic, numeric).map { Double($0) - $1 }) / numericNorm
            print(
                "gradient check \(label), \(name) (\(tensor.count) values): cosine \(format(cosine)),"
                    + " relative error \(format(relativeError))")
            XCTAssertGreaterThan(cosine, 0.95, "\(label), \(name)")
            XCTAssertLessThan(relativeError, 0.10, "\(label), \(name)")
        }
    }

    /// RGB as is; un-premultiplied RGBA as its colour composited onto white, and its alpha. (The
    /// colour of a pixel that is almost transparent is meaningless and jumps to 0 where alpha
    /// reaches 0: a loss sees colour through a composite, as CLIPDraw composites onto white.)
    private func seenOnWhite(_ image: Tensor) -> Tensor {
        guard image.shape[0] == 4 else { return image }
        let color = image.slice(axis: 0, start: 0, length: 3), alpha = image.slice(axis: 0, start: 3, length: 1)
        return concat([color * alpha + (1 - alpha), alpha], axis: 0)
    }

    /// Σ weight · pixel seen on white, summed in double precision so the difference quotients are
    /// not noise.
    private func loss(_ parameters: SceneParameters, _ weights: Tensor, size: Int, channels: RasterChannels) -> Double {
        let image = rasterize(parameters, width: size, height: size, channels: channels)
        let plane = size * size
        var total = 0.0
        for index in 0..<image.count {
            var value = Double(image.pointer[index])
            if channels == .rgba && index < 3 * plane {
                let alpha = Double(image.pointer[3 * plane + index % plane])
                value = value * alpha + 1 - alpha
            }
            total += value * Double(weights.pointer[index])
        }
        return total
    }

    private func dot(_ a: [Float], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * $1.1 } }
    private func norm(_ a: [Double]) -> Double { a.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    private func norm(_ a: [Float]) -> Double { a.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    private func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
