import Scene
import Tensor

/// CLIPDraw's starting strokes: open paths of 1 to 3 cubic segments whose first point is uniform
/// on the canvas and whose every further control point random-walks from the previous one, with
/// a random RGBA colour — drawn in the reference's order (segments, points, colour per path).
enum RandomStrokes {
    static func make(
        count: Int, width: Int, height: Int, segments: ClosedRange<Int>, spread: Float, strokeWidth: Float, opaque: Bool,
        generator: inout SeededGenerator
    ) -> [Path] {
        (0..<count).map { _ in
            let segmentCount = segments.lowerBound + generator.nextInt(below: segments.count)
            var x = generator.nextUniform(), y = generator.nextUniform()
            var points = [Point(x, y)]
            for _ in 0..<(3 * segmentCount) {
                // The reference's `radius * (random() - 0.5)` with radius 2 × spread.
                x += 2 * spread * (generator.nextUniform() - 0.5)
                y += 2 * spread * (generator.nextUniform() - 0.5)
                points.append(Point(x, y))
            }
            let canvasPoints = points.map { Point($0.x * Float(width), $0.y * Float(height)) }
            var color = RGBA(generator.nextUniform(), generator.nextUniform(), generator.nextUniform(), generator.nextUniform())
            if opaque { color.a = 1 }
            return Path(points: canvasPoints, strokeColor: color, strokeWidth: strokeWidth)
        }
    }
}
