import Foundation

extension CLIPAG {
    /// The CLIPAG recipe. Defaults live in `Presets/clipag.json` (the reference notebook's
    /// values); every field can be overridden by a preset file or a command-line flag.
    public struct Configuration: MethodConfiguration, Equatable {
        /// Model name or weights file; the authors' robust `CLIPAG_ViTB32.pt` is what the recipe
        /// is made for.
        public var model: String
        /// Optimisation steps.
        public var iterations: Int
        /// Side of the square image in pixels.
        public var size: Int
        /// AdamW on the image's parameters.
        public var learningRate: Float
        public var weightDecay: Float
        /// The gradient's norm is clipped to this before each step (0: no clipping).
        public var gradientClip: Float
        /// Dynamic thresholding after each step at this quantile (0: plain clamping to [0, 1]).
        public var thresholdQuantile: Float
        /// Whole-image views per step and their loss weight.
        public var globalViews: Int
        public var globalWeight: Float
        /// Random square crops per step at 224 (scaled by (size / 224)² for larger images), their
        /// side before resizing to CLIP's resolution, and their loss weight.
        public var patches: Int
        public var patchSize: Int
        public var patchWeight: Float
        /// Standard deviation of the Gaussian noise added to every view.
        public var noise: Float
        /// Standardise CLIP's input with its mean and std.
        public var normalize: Bool
        /// `pixels`, or `pyramid`: a Laplacian pyramid of `pyramidLevels` levels.
        public var parameterization: String
        public var pyramidLevels: Int
        /// Weight of a total-variation smoothness term (0: off, as the reference).
        public var tvWeight: Float
        /// Start image when none is given: the best of this many smooth random fields by CLIP
        /// score, each drawn at `initResolution` pixels and upsampled.
        public var initCandidates: Int
        public var initResolution: Int
        /// Views per pass through CLIP: bounds memory; any value gives the same result.
        public var viewsPerPass: Int

        /// The image sides a run accepts, in pixels.
        public static let sizeRange = 32...2048

        /// Whole-image views and patches (at 224 pixels) per step: each is a ViT forward and
        /// backward, so 256 of each is already minutes a step on a CPU (the recipe uses 32 + 32).
        public static let maximumViews = 256

        public enum Parameterization: String, Sendable {
            case pixels, pyramid
        }

        /// Checks the numbers before any work starts, with a message naming the setting.
        public func validate() throws {
            try MethodError.require(
                (1...CountLimits.iterations).contains(iterations),
                "iterations must be between 1 and \(CountLimits.iterations), got \(iterations)")
            try MethodError.require(
                Self.sizeRange.contains(size),
                "size must be between \(Self.sizeRange.lowerBound) and \(Self.sizeRange.upperBound) pixels, got \(size)")
            try MethodError.require(learningRate > 0 && learningRate.isFinite, "learning_rate must be positive, got \(learningRate)")
            try MethodError.require(weightDecay >= 0 && gradientClip >= 0, "weight_decay and gradient_clip cannot be negative")
            try MethodError.require((0..<1).contains(thresholdQuantile), "threshold_quantile must be in [0, 1), got \(thresholdQuantile)")
            try MethodError.require(globalViews + patches > 0, "need at least one global view or patch")
            try MethodError.require(
                (0...Self.maximumViews).contains(globalViews), "global_views must be between 0 and \(Self.maximumViews), got \(globalViews)"
            )
            try MethodError.require(
                (0...Self.maximumViews).contains(patches), "patches must be between 0 and \(Self.maximumViews), got \(patches)")
            try MethodError.require(
                patchSize >= 8 && patchSize <= size, "patch_size must be between 8 and the image size \(size), got \(patchSize)")
            try MethodError.require(noise >= 0 && tvWeight >= 0, "noise and tv weight cannot be negative")
            try MethodError.require(
                Parameterization(rawValue: parameterization) != nil, "parameterization must be pixels or pyramid, got \(parameterization)")
            try MethodError.require(
                pyramidLevels >= 1 && (1 << (pyramidLevels - 1)) <= size,
                "pyramid_levels must be between 1 and log2(size) + 1, got \(pyramidLevels)")
            try MethodError.require(
                (1...Self.maximumViews).contains(initCandidates),
                "init_candidates must be between 1 and \(Self.maximumViews), got \(initCandidates)")
            try MethodError.require(
                (1...size).contains(initResolution), "init_resolution must be between 1 and the size \(size), got \(initResolution)")
            try MethodError.require(
                (1...CountLimits.viewsPerPass).contains(viewsPerPass),
                "views_per_pass must be between 1 and \(CountLimits.viewsPerPass), got \(viewsPerPass)")
        }

        /// Patches per step at this size: the preset's count covers a 224-pixel image.
        var patchCount: Int {
            patches == 0 ? 0 : max(1, Int((Double(patches) * Double(size * size) / (224.0 * 224.0)).rounded()))
        }
    }
}
