import Guidance
import Scene
import Tensor

/// CLIPasso's starting strokes: one cubic each, whose first point is a start pixel and whose
/// three further control points random-walk from it by ± `spread` of the canvas per point.
enum SalientStrokes {
    /// `count` start pixels: drawn from `startMap` by softmax sampling; from the attention map
    /// alone when too few edge pixels are salient (a nearly flat photo); uniformly at random
    /// without saliency or when even that is short.
    static func startPixels(
        count: Int, target: SketchTarget, temperature: Float, size: Int, generator: inout SeededGenerator
    ) -> [SaliencySampler.Pixel] {
        for map in [target.saliency?.startMap, target.saliency?.attention].compactMap({ $0 }) {
            if let pixels = SaliencySampler.sample(map, count: count, temperature: temperature, generator: &generator) {
                return pixels
            }
        }
        return (0..<count).map { _ in SaliencySampler.Pixel(x: generator.nextInt(below: size), y: generator.nextInt(below: size)) }
    }

    static func make(
        from pixels: [SaliencySampler.Pixel], size: Int, spread: Float, width: Float, color: RGBA, generator: inout SeededGenerator
    ) -> [Path] {
        pixels.map { pixel in
            // The reference normalises the pixel's column and row by the canvas size.
            var x = Float(pixel.x) / Float(size), y = Float(pixel.y) / Float(size)
            var points = [Point(x, y)]
            for _ in 0..<3 {
                x += 2 * spread * (generator.nextUniform() - 0.5)
                y += 2 * spread * (generator.nextUniform() - 0.5)
                points.append(Point(x, y))
            }
            return Path(points: points.map { Point($0.x * Float(size), $0.y * Float(size)) }, strokeColor: color, strokeWidth: width)
        }
    }
}
