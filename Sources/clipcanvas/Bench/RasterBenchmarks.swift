import Raster
import Scene
import Tensor

/// The rasterizer (issue 5) on the two scenes the methods draw, at CLIP's 224 × 224: forward,
/// and forward + backward from a fixed random image gradient (the gradient CLIP would send back)
/// to the optimised quantities.
enum RasterBenchmarks {
    static var cases: [BenchmarkCase] {
        [
            rasterCase("raster.clipdraw.fwd", scene: clipDrawScene, optimising: clipDrawQuantities, backward: false),
            rasterCase("raster.clipdraw.fwdbwd", scene: clipDrawScene, optimising: clipDrawQuantities, backward: true),
            rasterCase("raster.clipasso.fwd", scene: clipassoScene, optimising: .points, backward: false),
            rasterCase("raster.clipasso.fwdbwd", scene: clipassoScene, optimising: .points, backward: true),
        ]
    }

    static let size = 224
    static let clipDrawQuantities: SceneParameters.Quantities = [.points, .strokeWidths, .strokeColors]

    /// CLIPDraw's start (methods.md): 256 open paths of 1 to 3 cubics, each control point a random
    /// step of up to 5% of the canvas from the previous one; random RGBA; here widths of 1 to 8
    /// pixels, as the optimisation makes them.
    static var clipDrawScene: Scene {
        var generator = SeededGenerator(seed: 51)
        let side = Float(size), step = 0.05 * side
        let paths = (0..<256).map { _ -> Path in
            let segments = 1 + generator.nextInt(below: 3)
            var point = Point(generator.nextUniform(0, side), generator.nextUniform(0, side))
            var points = [point]
            for _ in 0..<3 * segments {
                point = Point(
                    point.x + generator.nextUniform(-step, step), point.y + generator.nextUniform(-step, step))
                points.append(point)
            }
            let color = RGBA(
                generator.nextUniform(), generator.nextUniform(), generator.nextUniform(), generator.nextUniform())
            return Path(points: points, strokeColor: color, strokeWidth: generator.nextUniform(1, 8))
        }
        return Scene(width: size, height: size, paths: paths)
    }

    /// CLIPasso's default: 16 one-cubic black strokes 3 pixels wide, control points within 2.5%
    /// of the canvas of each other.
    static var clipassoScene: Scene {
        var generator = SeededGenerator(seed: 52)
        let side = Float(size), step = 0.025 * side
        let paths = (0..<16).map { _ -> Path in
            var point = Point(generator.nextUniform(0, side), generator.nextUniform(0, side))
            var points = [point]
            for _ in 0..<3 {
                point = Point(
                    point.x + generator.nextUniform(-step, step), point.y + generator.nextUniform(-step, step))
                points.append(point)
            }
            return Path(points: points, strokeColor: .black, strokeWidth: 3)
        }
        return Scene(width: size, height: size, paths: paths)
    }

    private static func rasterCase(
        _ name: String, scene: Scene, optimising: SceneParameters.Quantities, backward: Bool
    ) -> BenchmarkCase {
        BenchmarkCase(name) {
            let parameters = SceneParameters(scene, optimising: optimising)
            let imageGradient = random([3, size, size], seed: 53)
            return {
                let image = rasterize(parameters, width: size, height: size)
                guard backward else { return }
                (image * imageGradient).sum().backward()
                for tensor in parameters.optimisedTensors { tensor.zeroGrad() }
            }
        }
    }
}
