import Foundation
import Scene

extension CLIPDraw {
    /// The CLIPDraw recipe. Defaults live in `Presets/clipdraw.json` (the reference notebook's
    /// values); every field can be overridden by a preset file or a command-line flag.
    /// Widths are full stroke widths, as SVG writes them (the reference stores radii, so its
    /// numbers are half of ours).
    public struct Configuration: Codable, Equatable, Sendable {
        /// Model name or weights file (resolved by the caller).
        public var model: String
        /// Optimisation steps.
        public var iterations: Int
        /// Side of the square canvas in canvas units and rendered pixels; a start drawing keeps
        /// its own aspect ratio and is rendered with this longer side.
        public var canvas: Int
        /// New random strokes (added to the start drawing's paths, if there is one).
        public var paths: Int
        /// Cubic segments per new stroke: uniform in `minSegments...maxSegments`.
        public var minSegments: Int
        public var maxSegments: Int
        /// Each new stroke's control points random-walk from a uniform start point by up to this
        /// fraction of the canvas per point.
        public var pointSpread: Float
        /// Full stroke width of new strokes, and the range every width is clamped to after a step.
        public var initialWidth: Float
        public var minWidth: Float
        public var maxWidth: Float
        /// Augmented copies of the render per step, batched through CLIP.
        public var augmentations: Int
        /// Standardise CLIP's input with its mean and std (the CLIPDraw paper did not; later code does).
        public var normalize: Bool
        /// Optimise each stroke's alpha; when false, strokes stay opaque.
        public var opacity: Bool
        /// Canvas colour (CSS syntax), opaque.
        public var background: String
        /// If not empty, strokes are drawn only in these colours (CSS syntax): each stroke keeps a
        /// free colour that the optimiser moves, and is drawn in the palette colour nearest to it.
        public var palette: [String]
        /// Prompts to move away from, each adding `weight × cos` to the loss.
        public var negatives: [WeightedPrompt]
        /// Adam learning rates of the three parameter groups.
        public var pointLearningRate: Float
        public var widthLearningRate: Float
        public var colorLearningRate: Float
        /// The points' rate is multiplied by `factor` once `fraction` of the run is done.
        public var pointSchedule: [ScheduleStep]
        /// With a style image (StyleCLIPDraw): the style loss's factor in the total.
        public var styleWeight: Float
        /// The CLIP term is used for the steps before this fraction of the run (StyleCLIPDraw's
        /// last 10% optimise the style alone); below 1 only with a style image.
        public var clipUntil: Float

        /// New strokes: the reference draws 256; the rasterizer's per-tile path lists grow with
        /// the count, and 10,000 strokes already cover every pixel many times over.
        public static let maximumPaths = 10_000
        /// Augmented copies per step, all in one batch through CLIP (about 40 MB of activations
        /// each for ViT-B/32): the reference uses 4.
        public static let maximumAugmentations = 64

        public struct WeightedPrompt: Codable, Equatable, Sendable {
            public var text: String
            public var weight: Float
            public init(text: String, weight: Float) {
                self.text = text
                self.weight = weight
            }
        }

        public struct ScheduleStep: Codable, Equatable, Sendable {
            public var fraction: Float
            public var factor: Float
            public init(fraction: Float, factor: Float) {
                self.fraction = fraction
                self.factor = factor
            }
        }

        /// Checks the numbers before any work starts, with a message naming the setting.
        public func validate() throws {
            try MethodError.require(
                (1...CountLimits.iterations).contains(iterations),
                "iterations must be between 1 and \(CountLimits.iterations), got \(iterations)")
            try MethodError.require(canvas >= 16 && canvas <= 4096, "canvas must be between 16 and 4096 pixels, got \(canvas)")
            try MethodError.require(
                (0...Self.maximumPaths).contains(paths), "paths must be between 0 and \(Self.maximumPaths), got \(paths)")
            try MethodError.require(
                minSegments >= 1 && maxSegments >= minSegments,
                "segments must be a range of at least 1, got \(minSegments)...\(maxSegments)")
            try MethodError.require(
                pointSpread >= 0 && pointSpread.isFinite, "point_spread must be a non-negative number, got \(pointSpread)")
            try MethodError.require(minWidth > 0 && minWidth.isFinite, "min-width must be positive, got \(minWidth)")
            try MethodError.require(maxWidth > 0 && maxWidth.isFinite, "max-width must be positive, got \(maxWidth)")
            try MethodError.require(maxWidth >= minWidth, "max-width \(maxWidth) is below min-width \(minWidth)")
            try MethodError.require(initialWidth.isFinite && initialWidth > 0, "initial_width must be positive, got \(initialWidth)")
            try MethodError.require(
                (1...Self.maximumAugmentations).contains(augmentations),
                "augmentations must be between 1 and \(Self.maximumAugmentations), got \(augmentations)")
            for (name, rate) in [("point", pointLearningRate), ("width", widthLearningRate), ("color", colorLearningRate)] {
                try MethodError.require(rate >= 0 && rate.isFinite, "\(name)_learning_rate must be a non-negative number, got \(rate)")
            }
            for step in pointSchedule {
                try MethodError.require(
                    (0...1).contains(step.fraction) && step.factor >= 0, "point_schedule steps need a fraction in [0, 1] and a factor >= 0")
            }
            for negative in negatives {
                try MethodError.require(!negative.text.trimmingCharacters(in: .whitespaces).isEmpty, "a negative prompt is empty")
                try MethodError.require(negative.weight.isFinite, "the weight of negative prompt \"\(negative.text)\" is not a number")
            }
            try MethodError.require(
                styleWeight >= 0 && styleWeight.isFinite, "style_weight must be a non-negative number, got \(styleWeight)")
            try MethodError.require((0...1).contains(clipUntil), "clip_until must be a fraction in [0, 1], got \(clipUntil)")
            let background = try backgroundColor()
            try MethodError.require(background.a == 1, "the background must be opaque, got \(self.background)")
            _ = try paletteColors()
        }

        /// Steps that use CLIP: those before `clipUntil` of the run (the reference's `t < .9*num_iter`).
        var clipSteps: Int { Int((Double(clipUntil) * Double(iterations)).rounded(.up)) }

        func backgroundColor() throws -> RGBA {
            do {
                return try RGBA(css: background)
            } catch {
                throw MethodError("background: \(error)")
            }
        }

        func paletteColors() throws -> [RGBA] {
            try palette.map { entry in
                do {
                    return try RGBA(css: entry)
                } catch {
                    throw MethodError("palette: \(error)")
                }
            }
        }
    }
}
