import Foundation
import Output
import Raster
import Scene
import Tensor
import XCTest

/// The rasterizer against Cairo, which writes the final files: what the optimiser saw must be
/// what the user gets. Per channel, the mean absolute difference must stay under one 8-bit level
/// and the 99th percentile under eight.
final class CairoAgreementTests: XCTestCase {
    private let size = 224

    func testRandomScenesOnWhite() throws {
        for seed: UInt64 in 1...4 {
            let scene = RandomRasterScenes.scene(seed: seed, size: size, strokes: 40, fills: 6, widths: 1...16)
            let ours = rasterize(SceneParameters(scene), width: size, height: size).values
            let cairo = try CairoRenderer.render(scene, width: size, height: size)
            compare(
                ours, Array(cairo.pixels[0..<3 * size * size]), channels: ["red", "green", "blue"],
                label: "seed \(seed)")
        }
    }

    /// CLIPDraw's setting: 256 thin strokes of random colour and opacity.
    func testManyThinStrokes() throws {
        var generator = SeededGenerator(seed: 7)
        var paths: [Path] = []
        for _ in 0..<256 {
            paths.append(
                RandomRasterScenes.openStroke(&generator, side: Float(size) / 3, alphas: 0...1, widths: 1...8))
            let offset = Point(
                generator.nextUniform(0, 2 * Float(size) / 3), generator.nextUniform(0, 2 * Float(size) / 3))
            paths[paths.count - 1].points = paths[paths.count - 1].points.map {
                Point($0.x + offset.x, $0.y + offset.y)
            }
        }
        let scene = Scene(width: size, height: size, paths: paths)
        let ours = rasterize(SceneParameters(scene), width: size, height: size).values
        let cairo = try CairoRenderer.render(scene, width: size, height: size)
        compare(
            ours, Array(cairo.pixels[0..<3 * size * size]), channels: ["red", "green", "blue"], label: "256 strokes")
    }

    /// Without a background, compared premultiplied (Cairo stores 8-bit premultiplied colour, so
    /// its un-premultiplied colour of a faint pixel is coarse). Alpha sees every edge at full
    /// contrast, where Cairo's own error shows: its scan converter samples 15 rows per pixel, so
    /// it can miss up to 1/30 (8.5/255) of a pixel along a near-horizontal edge, which the exact
    /// area here does not; alpha's 99th percentile gets that much room.
    func testTransparentBackground() throws {
        var scene = RandomRasterScenes.scene(seed: 9, size: size, strokes: 30, fills: 5, widths: 1...16)
        scene.background = nil
        let ours = premultiplied(rasterize(SceneParameters(scene), width: size, height: size, channels: .rgba).values)
        let cairo = premultiplied(try CairoRenderer.render(scene, width: size, height: size).pixels)
        let plane = size * size
        compare(
            Array(ours[0..<3 * plane]), Array(cairo[0..<3 * plane]), channels: ["red·a", "green·a", "blue·a"],
            label: "transparent")
        compare(
            Array(ours[3 * plane..<4 * plane]), Array(cairo[3 * plane..<4 * plane]), channels: ["alpha"],
            label: "transparent", percentile99Bound: 10 / 255)
    }

    /// Cairo's vertical sampling, seen on a filled rectangle whose top edge crosses a pixel row:
    /// Cairo covers a multiple of 1/15 of the row, this rasterizer the exact fraction.
    func testFillsCoverExactAreas() throws {
        for top: Float in [10.1, 10.37, 10.8] {
            let scene = Scene(
                width: 32, height: 32, background: nil,
                paths: [
                    Path(
                        points: [
                            Point(2, top), Point(10, top), Point(20, top), Point(28, top), Point(28, 20), Point(28, 30),
                            Point(28, 30), Point(15, 30), Point(2, 30), Point(2, 30), Point(2, 20), Point(2, top),
                        ], isClosed: true, strokeColor: nil, fillColor: .black)
                ])
            let alpha = rasterize(SceneParameters(scene), width: 32, height: 32, channels: .rgba).values[
                3 * 1024 + 10 * 32 + 16]
            let cairoAlpha = try CairoRenderer.render(scene, width: 32, height: 32).pixels[3 * 1024 + 10 * 32 + 16]
            XCTAssertEqual(alpha, 11 - top, accuracy: 1e-5)
            XCTAssertEqual(cairoAlpha, 11 - top, accuracy: 1 / 30 + 0.5 / 255)
        }
    }

    /// A canvas scaled to a larger output: geometry and widths scale together.
    func testScaledOutput() throws {
        let scene = RandomRasterScenes.scene(seed: 5, size: 112, strokes: 25, fills: 4, widths: 1...10)
        let ours = rasterize(SceneParameters(scene), width: size, height: size).values
        let cairo = try CairoRenderer.render(scene, width: size, height: size)
        compare(
            ours, Array(cairo.pixels[0..<3 * size * size]), channels: ["red", "green", "blue"], label: "112 -> 224")
    }

    private func premultiplied(_ rgba: [Float]) -> [Float] {
        let plane = size * size
        var result = rgba
        for index in 0..<3 * plane { result[index] = rgba[index] * rgba[3 * plane + index % plane] }
        return result
    }

    private func compare(
        _ ours: [Float], _ cairo: [Float], channels: [String], label: String, percentile99Bound: Float = 8 / 255
    ) {
        let plane = size * size
        XCTAssertEqual(ours.count, channels.count * plane)
        for (channel, name) in channels.enumerated() {
            let differences = (0..<plane).map { abs(ours[channel * plane + $0] - cairo[channel * plane + $0]) }.sorted()
            let mean = differences.reduce(0, +) / Float(plane)
            let percentile99 = differences[Int(0.99 * Float(plane - 1))]
            let levels = [mean, percentile99, differences.last!].map { String(format: "%.2f", $0 * 255) }
            print("cairo agreement \(label), \(name): mean \(levels[0]), p99 \(levels[1]), max \(levels[2]) (/255)")
            XCTAssertLessThan(mean, 1 / 255, "\(label), \(name): mean absolute difference")
            XCTAssertLessThan(percentile99, percentile99Bound, "\(label), \(name): 99th percentile")
        }
    }
}
