import Foundation
import Raster
import Scene
import Tensor

/// Random scenes for the rasterizer's tests: wandering open strokes and closed star-like shapes
/// (whose outlines cross themselves, so nonzero and even-odd differ), all reproducible by seed.
enum RandomRasterScenes {
    /// `strokes` open paths of 1–3 cubic segments and `fills` closed filled paths on a white
    /// `size × size` canvas.
    static func scene(
        seed: UInt64, size: Int, strokes: Int, fills: Int, widths: ClosedRange<Float> = 1...20,
        alphas: ClosedRange<Float> = 0.3...1
    ) -> Scene {
        var generator = SeededGenerator(seed: seed)
        let side = Float(size)
        var paths: [Path] = []
        for _ in 0..<fills {
            paths.append(closedShape(&generator, side: side, alphas: alphas, widths: widths))
        }
        for _ in 0..<strokes {
            paths.append(openStroke(&generator, side: side, alphas: alphas, widths: widths))
        }
        return Scene(width: size, height: size, background: .white, paths: paths)
    }

    /// A stroke whose control points wander from a random start by up to 15% of the canvas.
    static func openStroke(
        _ generator: inout SeededGenerator, side: Float, alphas: ClosedRange<Float>, widths: ClosedRange<Float>
    ) -> Path {
        let segments = 1 + generator.nextInt(below: 3)
        var point = Point(generator.nextUniform(0.1 * side, 0.9 * side), generator.nextUniform(0.1 * side, 0.9 * side))
        var points = [point]
        for _ in 0..<3 * segments {
            let step = 0.15 * side
            point = Point(
                min(max(point.x + generator.nextUniform(-step, step), 0), side),
                min(max(point.y + generator.nextUniform(-step, step), 0), side))
            points.append(point)
        }
        return Path(
            points: points, strokeColor: color(&generator, alphas: alphas),
            strokeWidth: generator.nextUniform(widths.lowerBound, widths.upperBound))
    }

    /// A closed path through 3–5 points around a centre at random angles (so its outline may cross
    /// itself), with straight-ish and curved sides, filled, and stroked half of the time.
    static func closedShape(
        _ generator: inout SeededGenerator, side: Float, alphas: ClosedRange<Float>, widths: ClosedRange<Float>
    ) -> Path {
        let corners = 3 + generator.nextInt(below: 3)
        let centreX = generator.nextUniform(0.25 * side, 0.75 * side)
        let centreY = generator.nextUniform(0.25 * side, 0.75 * side)
        func around() -> Point {
            let angle = generator.nextUniform(0, 2 * Float.pi)
            let radius = generator.nextUniform(0.1 * side, 0.35 * side)
            return Point(centreX + radius * cos(angle), centreY + radius * sin(angle))
        }
        let vertices = (0..<corners).map { _ in around() }
        var points: [Point] = []
        for (index, vertex) in vertices.enumerated() {
            let next = vertices[(index + 1) % corners]
            let bend = generator.nextUniform(-0.3, 0.3)
            let normal = Point(-(next.y - vertex.y) * bend, (next.x - vertex.x) * bend)
            points += [
                vertex,
                Point(vertex.x + (next.x - vertex.x) / 3 + normal.x, vertex.y + (next.y - vertex.y) / 3 + normal.y),
                Point(
                    vertex.x + 2 * (next.x - vertex.x) / 3 + normal.x, vertex.y + 2 * (next.y - vertex.y) / 3 + normal.y
                ),
            ]
        }
        let stroked = generator.nextUniform() < 0.5
        return Path(
            points: points, isClosed: true, strokeColor: stroked ? color(&generator, alphas: alphas) : nil,
            strokeWidth: generator.nextUniform(widths.lowerBound, min(widths.upperBound, 6)),
            fillColor: color(&generator, alphas: alphas), fillRule: generator.nextUniform() < 0.5 ? .evenOdd : .nonZero)
    }

    static func color(_ generator: inout SeededGenerator, alphas: ClosedRange<Float>) -> RGBA {
        RGBA(
            generator.nextUniform(), generator.nextUniform(), generator.nextUniform(),
            generator.nextUniform(alphas.lowerBound, alphas.upperBound))
    }
}
