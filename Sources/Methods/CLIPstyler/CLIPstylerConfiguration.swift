import Foundation

extension CLIPstyler {
    /// The CLIPstyler recipe. Defaults live in `Presets/clipstyler.json` (the reference's
    /// `train_CLIPstyler.py` values), a cheaper schedule in `Presets/clipstyler-fast.json`; every
    /// field can be overridden by a preset file or a command-line flag.
    public struct Configuration: MethodConfiguration, Equatable {
        /// Model name or weights file (the reference uses ViT-B/32).
        public var model: String
        /// Training steps of the U-Net.
        public var iterations: Int
        /// Longer side of the working image in pixels, a multiple of 8 (others are rounded); the
        /// shorter side follows the photo's aspect ratio, also rounded to a multiple of 8.
        public var size: Int
        /// The working sizes a run accepts, in pixels.
        public static let sizeRange = 16...4096
        /// Adam on the U-Net's weights, multiplied by `learningRateGamma` every
        /// `learningRateStep` steps.
        public var learningRate: Float
        public var learningRateStep: Int
        public var learningRateGamma: Float
        /// What the photo shows before stylising; the text direction starts here.
        public var source: String
        /// Random square crops of the output per step, their side before the perspective warp and
        /// resize to CLIP's resolution, and the warp's distortion scale.
        public var patches: Int
        public var patchSize: Int
        public var perspectiveDistortion: Float
        /// Patches whose directional loss is below this are rejected (tau).
        public var rejectionThreshold: Float
        /// Loss weights: patch directional, global directional, content, total variation.
        public var patchWeight: Float
        public var globalWeight: Float
        public var contentWeight: Float
        public var tvWeight: Float
        /// The reference's saving step: contrast factor (1: unchanged) after clamping, then a
        /// min–max stretch of the whole image to [0, 1] when `outputStretch` is set.
        public var outputContrast: Float
        public var outputStretch: Bool
        /// Patches per pass through CLIP: bounds memory; any value gives the same result.
        public var viewsPerPass: Int

        /// Patches per step, each a ViT forward and backward: the reference uses 64.
        public static let maximumPatches = 256

        /// Checks the numbers before any work starts, with a message naming the setting.
        public func validate() throws {
            try MethodError.require(
                (1...CountLimits.iterations).contains(iterations),
                "iterations must be between 1 and \(CountLimits.iterations), got \(iterations)")
            try MethodError.require(
                Self.sizeRange.contains(size),
                "size must be between \(Self.sizeRange.lowerBound) and \(Self.sizeRange.upperBound) pixels, got \(size)")
            try MethodError.require(learningRate > 0 && learningRate.isFinite, "learning_rate must be positive, got \(learningRate)")
            try MethodError.require(learningRateStep >= 1, "learning_rate_step must be at least 1, got \(learningRateStep)")
            try MethodError.require(
                learningRateGamma > 0 && learningRateGamma <= 1, "learning_rate_gamma must be in (0, 1], got \(learningRateGamma)")
            try MethodError.require(
                !source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "the source text is empty; describe what the photo is, e.g. \"a Photo\"")
            try MethodError.require(
                (0...Self.maximumPatches).contains(patches), "patches must be between 0 and \(Self.maximumPatches), got \(patches)")
            try MethodError.require(patchSize >= 8, "patch_size must be at least 8 pixels, got \(patchSize)")
            try MethodError.require(
                (0...1).contains(perspectiveDistortion), "perspective_distortion must be in [0, 1], got \(perspectiveDistortion)")
            try MethodError.require(
                (0...2).contains(rejectionThreshold), "rejection_threshold must be in [0, 2] (a loss 1 − cos), got \(rejectionThreshold)")
            try MethodError.require(
                [patchWeight, globalWeight, contentWeight, tvWeight].allSatisfy { $0 >= 0 && $0.isFinite },
                "loss weights cannot be negative")
            try MethodError.require(
                patches > 0 || globalWeight > 0, "need patches or a global weight: without either nothing pulls towards the style")
            try MethodError.require(
                outputContrast >= 0 && outputContrast.isFinite, "output_contrast cannot be negative, got \(outputContrast)")
            try MethodError.require(
                (1...CountLimits.viewsPerPass).contains(viewsPerPass),
                "views_per_pass must be between 1 and \(CountLimits.viewsPerPass), got \(viewsPerPass)")
        }
    }
}
