import Foundation
import Scene

extension CLIPasso {
    /// The CLIPasso recipe. Defaults live in `Presets/clipasso.json` (the reference's
    /// `config.py` and `run_object_sketching.py`); the abstraction presets differ in `strokes`,
    /// `clipasso-fast` in the geometric model. Widths are full stroke widths (the reference's
    /// radius 1.5 is 3 here).
    public struct Configuration: Codable, Equatable, Sendable, MethodConfiguration {
        /// The vision transformer whose attention places the first strokes (`--model`).
        public var model: String
        /// Optimisation steps per run, unless early stopping ends it first.
        public var iterations: Int
        /// Strokes in the sketch: fewer is more abstract.
        public var strokes: Int
        /// Full stroke width in canvas pixels, and the strokes' colour (CSS syntax, opaque).
        public var strokeWidth: Float
        public var color: String
        /// Each stroke's three further control points random-walk from its start pixel by up to
        /// ± this fraction of the canvas per point.
        public var pointSpread: Float
        /// Adam's learning rate on the control points (constant).
        public var learningRate: Float
        /// Augmented copies of sketch and target per step, besides the clean copy.
        public var augmentations: Int
        /// The CLIP model whose features are compared (a ResNet or a ViT).
        public var geometricModel: String
        /// Which feature maps enter the geometric loss: ResNet stages (0 = stem, 1…4 = layer1…layer4)
        /// or ViT blocks (0-based); each adds `geometricWeight × MSE`.
        public var geometricLayers: [Int]
        public var geometricWeight: Float
        /// Weight of 1 − cos between the final embeddings of sketch and target.
        public var semanticWeight: Float
        /// Start strokes on salient edges (attention × XDoG); otherwise uniformly at random.
        public var saliencyInit: Bool
        /// Keep only edge pixels of the attention map when sampling starts (the reference's `xdog_intersec`).
        public var edgeIntersection: Bool
        /// Softmax temperature of the start-pixel sampling.
        public var softmaxTemperature: Float
        /// Evaluate without augmentation every this many steps, keep the best, and stop early
        /// when the evaluation loss stays within `minDelta` of the best twice.
        public var evalInterval: Int
        public var minDelta: Float
        /// Independent runs with seeds seed, seed + 1000, …; the lowest evaluation loss wins.
        public var seeds: Int
        /// Pad a non-square photo onto a white square (`padMargin` pixels larger than its longer
        /// side) instead of centre-cropping it.
        public var pad: Bool
        public var padMargin: Int
        /// Sketch copies per pass through the geometric model: bounds memory (an RN101 copy costs
        /// about 66 MB for the backward, most of it transient); any value gives the same result.
        public var viewsPerPass: Int

        /// Strokes: the reference's abstraction levels are 4 to 32 (its most detailed runs use
        /// 64); 1,024 strokes is no longer a sketch.
        public static let maximumStrokes = 1024
        /// Augmented copies per step, sketch and photo each: the reference uses 4.
        public static let maximumAugmentations = 64
        /// Independent runs per level: the reference uses 3.
        public static let maximumSeeds = 100

        /// Checks the numbers before any work starts, with a message naming the setting.
        public func validate() throws {
            try MethodError.require(
                (1...CountLimits.iterations).contains(iterations),
                "iterations must be between 1 and \(CountLimits.iterations), got \(iterations)")
            try MethodError.require(
                (1...Self.maximumStrokes).contains(strokes), "strokes must be between 1 and \(Self.maximumStrokes), got \(strokes)")
            try MethodError.require(strokeWidth > 0 && strokeWidth.isFinite, "the stroke width must be positive, got \(strokeWidth)")
            try MethodError.require(
                pointSpread >= 0 && pointSpread.isFinite, "point_spread must be a non-negative number, got \(pointSpread)")
            try MethodError.require(
                learningRate >= 0 && learningRate.isFinite, "learning_rate must be a non-negative number, got \(learningRate)")
            try MethodError.require(
                (1...Self.maximumAugmentations).contains(augmentations),
                "augmentations must be between 1 and \(Self.maximumAugmentations), got \(augmentations)")
            try MethodError.require(
                !geometricLayers.isEmpty || semanticWeight > 0, "the loss is empty: give geometric layers or a positive semantic weight")
            try MethodError.require(geometricLayers.allSatisfy { $0 >= 0 }, "geometric layers are 0-based indices, got \(geometricLayers)")
            try MethodError.require(
                geometricWeight >= 0 && geometricWeight.isFinite, "geometric_weight must be a non-negative number, got \(geometricWeight)")
            try MethodError.require(
                semanticWeight >= 0 && semanticWeight.isFinite, "the semantic weight must be a non-negative number, got \(semanticWeight)")
            try MethodError.require(
                softmaxTemperature > 0 && softmaxTemperature.isFinite, "softmax_temperature must be positive, got \(softmaxTemperature)")
            try MethodError.require(evalInterval >= 1, "eval_interval must be at least 1, got \(evalInterval)")
            try MethodError.require(minDelta >= 0 && minDelta.isFinite, "min_delta must be a non-negative number, got \(minDelta)")
            try MethodError.require(
                (1...Self.maximumSeeds).contains(seeds), "seeds must be between 1 and \(Self.maximumSeeds), got \(seeds)")
            try MethodError.require(padMargin >= 0, "pad_margin cannot be negative, got \(padMargin)")
            try MethodError.require(
                (1...CountLimits.viewsPerPass).contains(viewsPerPass),
                "views_per_pass must be between 1 and \(CountLimits.viewsPerPass), got \(viewsPerPass)")
            let stroke = try strokeColor()
            try MethodError.require(stroke.a == 1, "the stroke colour must be opaque, got \(color)")
        }

        func strokeColor() throws -> RGBA {
            do {
                return try RGBA(css: color)
            } catch {
                throw MethodError("color: \(error)")
            }
        }
    }
}
