// The differentiable vector rasterizer: scene parameters -> image tensor, one tape op whose
// backward sends the image gradient to control points, stroke widths, stroke colours and fill
// colours.
//
// Method (read top to bottom; the backward pass, `RasterBackward.swift`, runs it in reverse):
// 1. Flatten (`FlattenedScene`): each cubic becomes a polyline within about
//    `flatteningTolerance` pixels of the curve (0.1 px by default, Cairo's own tolerance), in
//    output pixels. Every vertex is a fixed blend of its cubic's control points, and the
//    polyline moves continuously as the control points do (`Subdivision`).
// 2. Bin (`TileGrid`): 16 × 16 pixel tiles, each listing back to front the paths whose bounding
//    box, widened by the stroke radius and the antialiasing ramp, touches it; per tile, each
//    path's edges are culled to those that can matter there (`TileWork`).
// 3. Cover (`Coverage.swift`), per tile row of 16 pixels (one SIMD vector): analytic box-filter
//    coverage. Fills: the exact area inside the outline from signed areas, under the nonzero or
//    even-odd rule. Strokes (all points within the radius of the curve: round caps and joins):
//    a smooth edge profile of the distance from the pixel centre to the polyline.
// 4. Composite: back-to-front "over" of un-premultiplied colours, fill before stroke as SVG and
//    Cairo draw a path, onto the background.
//
// Units: `SceneParameters.strokeWidths` are full widths in canvas units; they become radii in
// pixels here (`FlatPath.radius`) and nowhere else.
import Scene
import Tensor

/// Channels of a rasterized image.
public enum RasterChannels: Sendable {
    /// [3, H, W]: colour composited over the background (over black where it is transparent).
    case rgb
    /// [4, H, W]: un-premultiplied RGBA, background included, as Cairo's PNG writer stores it.
    case rgba
}

/// Rasterizes `parameters` at `width × height` pixels (the canvas is scaled to fit) onto the
/// parameters' background. Values are in [0, 1]. The image is one op on the tape: when the
/// loss built on it runs `backward()`, the optimised parameter tensors receive their gradients.
public func rasterize(
    _ parameters: SceneParameters, width: Int, height: Int, channels: RasterChannels = .rgb,
    flatteningTolerance: Float = 0.1
) -> Tensor {
    precondition(width > 0 && height > 0, "raster size must be positive, got \(width)x\(height)")
    precondition(parameters.canvasWidth > 0 && parameters.canvasHeight > 0, "canvas size must be positive")
    let rasterization = Rasterization(
        parameters, width: width, height: height, channels: channels, tolerance: flatteningTolerance)
    let image = Tensor(uninitializedShape: [channels == .rgb ? 3 : 4, height, width])
    rasterization.draw(into: image.pointer)
    let inputs = [parameters.points, parameters.strokeWidths, parameters.strokeColors, parameters.fillColors]
    image.recordIfNeeded(inputs) { output, outputGrad in
        rasterization.backward(imageGradient: outputGrad.pointer, image: output.pointer)
    }
    return image
}

/// One rendering: the flattened, binned scene the forward pass drew, kept for its backward pass.
final class Rasterization {
    let parameters: SceneParameters
    let scene: FlattenedScene
    let grid: TileGrid
    let channels: RasterChannels
    /// Un-premultiplied; transparent black when the scene has none.
    let background: SIMD4<Float>

    init(_ parameters: SceneParameters, width: Int, height: Int, channels: RasterChannels, tolerance: Float) {
        self.parameters = parameters
        self.channels = channels
        scene = FlattenedScene(parameters, width: width, height: height, tolerance: tolerance)
        grid = TileGrid(scene, width: width, height: height)
        background = parameters.background.map { SIMD4($0.r, $0.g, $0.b, $0.a) } ?? .zero
    }

    /// Tiles are dealt to workers round-robin: neighbouring tiles cost alike, so this balances
    /// the load, and a fixed dealing keeps the gradient sums repeatable run to run.
    var workerCount: Int { min(Parallel.coreCount, grid.tileCount) }

    /// Writes the image, [3 or 4, height, width], to `image`.
    func draw(into image: UnsafeMutablePointer<Float>) {
        let workers = workerCount
        let works = (0..<workers).map { _ in TileWork(largestTileList: grid.largestTileList) }
        Parallel.forEach(workers) { worker in
            for tile in stride(from: worker, to: grid.tileCount, by: workers) {
                drawTile(tile, works[worker], image)
            }
        }
    }

    private func drawTile(_ tile: Int, _ work: TileWork, _ image: UnsafeMutablePointer<Float>) {
        work.prepare(tile: tile, grid: grid, scene: scene)
        for row in 0..<work.rowCount {
            var color = PremultipliedLanes(background)
            forEachFragment(row: row, work) { covered, entry, isStroke in
                let style = scene.paths[work.tilePaths[entry].path]
                color.composite(isStroke ? style.strokeColor : style.fillColor, coverage: covered.coverage)
            }
            store(color, image, x: work.tileX, y: work.tileY + row)
        }
    }

    /// Calls `body` with each fill and stroke that covers part of tile row `row`, back to front,
    /// and the index of its path in `work.tilePaths`.
    @inline(__always)
    func forEachFragment(row: Int, _ work: TileWork, _ body: (RowCoverage, _ entry: Int, _ isStroke: Bool) -> Void) {
        let position = RowPosition(tileX: work.tileX, y: work.tileY + row)
        let edges = UnsafePointer(scene.edges)
        work.edgeList.withUnsafeBufferPointer { listBuffer in
            let list = listBuffer.baseAddress!
            for (index, entry) in work.tilePaths.enumerated() where entry.rows.contains(row) {
                let path = scene.paths[entry.path]
                if path.isFilled,
                    let covered = fillCoverage(
                        position, isEvenOdd: path.isEvenOdd, edges: edges, list: list, entry.crossingEdges)
                {
                    body(covered, index, false)
                }
                if path.isStroked,
                    let covered = strokeCoverage(
                        position, radius: path.radius, edges: edges, list: list, entry.strokeEdges)
                {
                    body(covered, index, true)
                }
            }
        }
    }

    private func store(_ color: PremultipliedLanes, _ image: UnsafeMutablePointer<Float>, x: Int, y: Int) {
        let width = grid.width, plane = grid.width * grid.height
        let row = image + y * width + x
        let columns = min(TileGrid.size, width - x)
        switch channels {
        case .rgb:
            for lane in 0..<columns {
                row[lane] = color.red[lane]
                row[plane + lane] = color.green[lane]
                row[2 * plane + lane] = color.blue[lane]
            }
        case .rgba:
            let inverseAlpha = Lanes.zero.replacing(with: 1 / color.alpha, where: color.alpha .> 0)
            for lane in 0..<columns {
                row[lane] = min(color.red[lane] * inverseAlpha[lane], 1)
                row[plane + lane] = min(color.green[lane] * inverseAlpha[lane], 1)
                row[2 * plane + lane] = min(color.blue[lane] * inverseAlpha[lane], 1)
                row[3 * plane + lane] = color.alpha[lane]
            }
        }
    }
}
