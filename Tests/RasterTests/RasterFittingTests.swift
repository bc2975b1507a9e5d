import Raster
import Scene
import Tensor
import XCTest

/// The rasterizer's gradients drive an optimiser: random strokes fitted by Adam, under an L2 loss,
/// to the render of a known scene.
final class RasterFittingTests: XCTestCase {
    /// 24 random grey half-transparent strokes fitted to 6 coloured ones: with more strokes than
    /// the target has, some start near each target stroke, and the rest can fade out.
    func testAdamFitsRandomStrokesToATarget() {
        for seed: UInt64 in [40, 50] {
            let reduction = fit(seed: seed, size: 64, steps: 300)
            XCTAssertGreaterThan(reduction, 0.9, "seed \(seed)")
        }
    }

    private func fit(seed: UInt64, size: Int, steps: Int) -> Float {
        let target = rasterize(
            SceneParameters(
                RandomRasterScenes.scene(seed: seed, size: size, strokes: 6, fills: 0, widths: 3...8, alphas: 0.8...1)),
            width: size, height: size
        )
        var start = RandomRasterScenes.scene(seed: seed + 1, size: size, strokes: 24, fills: 0, widths: 6...6)
        for index in start.paths.indices { start.paths[index].strokeColor = RGBA(0.5, 0.5, 0.5, 0.5) }
        let parameters = SceneParameters(start, optimising: [.points, .strokeWidths, .strokeColors])
        let optimiser = Adam(groups: [
            ParameterGroup([parameters.points], learningRate: 0.5),
            ParameterGroup([parameters.strokeWidths], learningRate: 0.1),
            ParameterGroup([parameters.strokeColors], learningRate: 0.05),
        ])

        var losses: [Float] = []
        for _ in 0..<steps {
            let loss = meanSquaredError(rasterize(parameters, width: size, height: size), target)
            losses.append(loss.item)
            loss.backward()
            optimiser.update()
            parameters.strokeWidths.clampInPlace(1, 20)
            parameters.strokeColors.clampInPlace(0, 1)
        }
        XCTAssertNil(parameters.points.grad, "the optimiser clears the gradients it used")
        let reduction = 1 - losses.last! / losses.first!
        print(
            "fitting seed \(seed): L2 loss \(losses.first!) -> \(losses.last!) in \(steps) steps"
                + " (reduced by \(Int((100 * reduction).rounded()))%)")
        return reduction
    }

    func testFrozenQuantitiesGetNoGradient() {
        let scene = RandomRasterScenes.scene(seed: 42, size: 32, strokes: 3, fills: 1, widths: 2...6)
        let parameters = SceneParameters(scene, optimising: .points)
        rasterize(parameters, width: 32, height: 32).sum().backward()
        XCTAssertNotNil(parameters.points.grad)
        XCTAssertNil(parameters.strokeWidths.grad)
        XCTAssertNil(parameters.strokeColors.grad)
        XCTAssertNil(parameters.fillColors.grad)
    }

    func testNothingOptimisedRecordsNothing() {
        let parameters = SceneParameters(
            RandomRasterScenes.scene(seed: 43, size: 32, strokes: 2, fills: 0), optimising: [])
        XCTAssertFalse(rasterize(parameters, width: 32, height: 32).needsGrad)
        XCTAssertTrue(parameters.optimisedTensors.isEmpty)
    }
}
