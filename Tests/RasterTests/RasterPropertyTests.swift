import Raster
import Scene
import Tensor
import XCTest

/// Properties any rendering must have, whatever the antialiasing.
final class RasterPropertyTests: XCTestCase {
    func testEmptySceneIsTheBackground() {
        let background = RGBA(0.2, 0.4, 0.6, 1)
        let scene = Scene(width: 50, height: 30, background: background)
        let rgb = rasterize(SceneParameters(scene), width: 50, height: 30)
        XCTAssertEqual(rgb.shape, [3, 30, 50])
        for (channel, value) in [background.r, background.g, background.b].enumerated() {
            XCTAssertTrue(plane(rgb, channel).allSatisfy { $0 == value }, "channel \(channel)")
        }
        let transparent = Scene(width: 50, height: 30, background: nil)
        let rgba = rasterize(SceneParameters(transparent), width: 50, height: 30, channels: .rgba)
        XCTAssertEqual(rgba.shape, [4, 30, 50])
        XCTAssertTrue(rgba.values.allSatisfy { $0 == 0 })
    }

    func testZeroAlphaPathsChangeNothing() {
        let scene = RandomRasterScenes.scene(seed: 3, size: 48, strokes: 5, fills: 2)
        var withInvisible = scene
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<3 {
            var stroke = RandomRasterScenes.openStroke(&generator, side: 48, alphas: 1...1, widths: 2...10)
            stroke.strokeColor?.a = 0
            withInvisible.paths.insert(stroke, at: 2)
        }
        var shape = RandomRasterScenes.closedShape(&generator, side: 48, alphas: 1...1, widths: 2...4)
        shape.fillColor?.a = 0
        shape.strokeColor = nil
        withInvisible.paths.append(shape)
        for channels in [RasterChannels.rgb, .rgba] {
            let expected = rasterize(SceneParameters(scene), width: 48, height: 48, channels: channels).values
            let actual = rasterize(SceneParameters(withInvisible), width: 48, height: 48, channels: channels).values
            XCTAssertEqual(actual, expected, "\(channels)")
        }
    }

    func testOutputSizeScalesTheCanvas() {
        let scene = RandomRasterScenes.scene(seed: 5, size: 40, strokes: 6, fills: 2, widths: 2...8)
        let parameters = SceneParameters(scene)
        let small = rasterize(parameters, width: 40, height: 40)
        let large = rasterize(parameters, width: 80, height: 80)
        XCTAssertEqual(large.shape, [3, 80, 80])
        // Averaging 2 × 2 blocks of the large render filters it as the small render's pixels do,
        // up to antialiasing at the two resolutions.
        let pooled = avgPool2d(large.reshaped([1, 3, 80, 80]), kernel: 2).values
        let differences = zip(pooled, small.values).map { abs($0 - $1) }
        XCTAssertLessThan(differences.reduce(0, +) / Float(differences.count), 1.5 / 255)
        XCTAssertLessThan(differences.max()!, 0.2)

        let wide = rasterize(parameters, width: 60, height: 20)
        XCTAssertEqual(wide.shape, [3, 20, 60])
    }

    func testValuesStayInTheUnitInterval() {
        let scene = RandomRasterScenes.scene(seed: 6, size: 64, strokes: 20, fills: 4, widths: 1...20)
        for channels in [RasterChannels.rgb, .rgba] {
            let values = rasterize(SceneParameters(scene), width: 64, height: 64, channels: channels).values
            XCTAssertTrue(values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(channels)")
        }
    }

    func testParametersRoundTripTheScene() {
        let scene = RandomRasterScenes.scene(seed: 7, size: 64, strokes: 4, fills: 3)
        let parameters = SceneParameters(scene, optimising: .all)
        XCTAssertEqual(parameters.scene, scene)
        XCTAssertEqual(parameters.points.shape, [scene.paths.reduce(0) { $0 + $1.points.count }, 2])
        XCTAssertEqual(parameters.strokeWidths.shape, [scene.paths.count])
        XCTAssertEqual(parameters.strokeColors.shape, [scene.paths.count, 4])
        XCTAssertEqual(parameters.fillColors.shape, [scene.paths.count, 4])
        XCTAssertEqual(parameters.optimisedTensors.count, 4)

        parameters.points.pointer[0] += 1.5
        parameters.strokeWidths.pointer[0] = 7
        let written = parameters.scene
        XCTAssertEqual(written.paths[0].points[0].x, scene.paths[0].points[0].x + 1.5)
        XCTAssertEqual(written.paths[0].strokeWidth, 7, "widths stay full widths, as Scene keeps them")
    }

    /// Half of a stroke's width lies on each side of its curve: a horizontal stroke of width 4
    /// along y = 10.5 covers rows 9 to 11 whole and nothing of rows 7 and 13.
    func testStrokeWidthIsTheFullWidth() {
        let points = [Point(2, 10.5), Point(10, 10.5), Point(20, 10.5), Point(30, 10.5)]
        let scene = Scene(width: 32, height: 32, paths: [Path(points: points, strokeColor: .black, strokeWidth: 4)])
        let red = plane(rasterize(SceneParameters(scene), width: 32, height: 32), 0)
        for row in [9, 10, 11] { XCTAssertEqual(red[row * 32 + 16], 0, accuracy: 1e-6, "row \(row)") }
        for row in [7, 13] { XCTAssertEqual(red[row * 32 + 16], 1, accuracy: 1e-6, "row \(row)") }
        // Rows 8 and 12 are half covered.
        for row in [8, 12] { XCTAssertEqual(red[row * 32 + 16], 0.5, accuracy: 1e-3, "row \(row)") }
    }

    private func plane(_ image: Tensor, _ channel: Int) -> [Float] {
        let count = image.shape[1] * image.shape[2]
        return Array(image.values[channel * count..<(channel + 1) * count])
    }
}
