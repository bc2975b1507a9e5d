import Guidance
import Models
import Tensor

/// CLIPAG: an image painted by pixel optimisation under CLIP guidance, no generator.
///
/// One step: 32 whole-image views and 32 random 128-pixel patches (resized to CLIP's
/// resolution), each with a little Gaussian noise and DiffAugment's colour, translation, resize
/// and cutout, go through CLIP's image tower; the loss is 1.0 × mean(1 − cos) of the views plus
/// 5.0 × that of the patches. The gradient norm is clipped, AdamW steps the image's parameters
/// (the pixels, or a Laplacian pyramid), and dynamic thresholding pulls the image back into
/// range. The image with the lowest whole-image loss is kept. An optional total-variation term
/// (CLIPstyler's) smooths the image for ordinary, non-robust CLIP weights.
public final class CLIPAG: IterativeMethod {
    public let configuration: Configuration
    public let iterations: Int
    public private(set) var completedIterations = 0
    public var hasConverged: Bool { false }
    public let truncatedPrompts: [String]

    private let model: CLIPModel
    private let text: Tensor
    private let augmentation: CLIPAGAugmentation
    private let views: ChunkedViews
    private let pyramid: LaplacianPyramid?
    /// What AdamW optimises: the image itself, or its pyramid levels.
    private let parameters: [Tensor]
    private let optimizer: Adam
    private let threshold: DynamicThreshold?
    private var generator: SeededGenerator
    private var best = BestSoFar<Tensor>()

    /// Prepares a run: encodes the prompt (then releases the model's text tower), and starts from
    /// `start` [3, H, W] in [0, 1] (resized to the square working size) or, without one, from the
    /// best smooth random field. Every random choice comes from `seed`.
    public init(prompt: String, configuration: Configuration, model: CLIPModel, seed: UInt64, start: Tensor? = nil) throws {
        try configuration.validate()
        if let start, start.rank != 3 || start.shape[0] != 3 {
            throw MethodError("the start image must be RGB [3, H, W], got \(start.shape)")
        }
        self.configuration = configuration
        self.model = model
        iterations = configuration.iterations
        let encoded = try PromptEncoder.encode([prompt], with: model)
        model.releaseTextTower()
        text = encoded.embeddings
        truncatedPrompts = encoded.truncated

        var startGenerator = SeededGenerator(seed: SeededGenerator.mix(seed ^ 0x436C_6970_4147))
        generator = SeededGenerator(seed: SeededGenerator.mix(seed))
        let size = configuration.size
        let image: Tensor
        if let start {
            image = resize(start.reshaped([1, 3, start.shape[1], start.shape[2]]), height: size, width: size, mode: .bicubic)
        } else {
            image = SmoothFieldStart(candidates: configuration.initCandidates, resolution: configuration.initResolution).image(
                size: size, model: model, text: text, normalize: configuration.normalize, viewsPerPass: configuration.viewsPerPass,
                generator: &startGenerator)
        }
        let start = clamp(image, 0, 1)
        if Configuration.Parameterization(rawValue: configuration.parameterization) == .pyramid {
            let pyramid = LaplacianPyramid(height: size, width: size, levels: configuration.pyramidLevels)
            self.pyramid = pyramid
            parameters = pyramid.decompose(start).map { Tensor(shape: $0.shape, values: $0.values, requiresGrad: true) }
        } else {
            pyramid = nil
            parameters = [Tensor(shape: start.shape, values: start.values, requiresGrad: true)]
        }
        optimizer = .adamW(
            groups: [ParameterGroup(parameters, learningRate: configuration.learningRate)], weightDecay: configuration.weightDecay)
        threshold = configuration.thresholdQuantile > 0 ? DynamicThreshold(quantile: configuration.thresholdQuantile) : nil
        augmentation = CLIPAGAugmentation(
            views: max(configuration.globalViews, 1), patches: max(configuration.patchCount, 1), patchSize: configuration.patchSize,
            size: model.imageResolution, noise: GaussianNoise(standardDeviation: configuration.noise),
            normalization: configuration.normalize ? .openAI : nil)
        views = ChunkedViews(model: model, chunkSize: configuration.viewsPerPass)
    }

    /// The image [3, size, size] as the next step will see it.
    public var currentImage: Tensor {
        let image = composedImage()
        return Tensor(shape: Array(image.shape.dropFirst()), values: image.values)
    }

    /// The image with the lowest whole-image loss so far (the start before the first step).
    public var bestImage: Tensor { best.value ?? currentImage }

    public func step() -> IterationReport {
        let size = configuration.size
        let before = generator
        let global =
            configuration.globalViews > 0
            ? augmentation.sampleGlobalViews(channels: 3, height: size, width: size, generator: &generator) : nil
        let patches =
            configuration.patchCount > 0
            ? augmentation.samplePatchViews(channels: 3, height: size, width: size, generator: &generator) : nil
        let report = step(global: global, patches: patches)
        // A step given up for an interruption did not happen: a checkpoint taken now must
        // resume with the draws it would have made.
        if report.interrupted { generator = before }
        return report
    }

    /// One step with the given random draws (`nil` where the recipe has no views of that kind);
    /// `step()` is this with fresh draws. It is `objective` on a cut at the current image, then
    /// `update` with the gradient gathered there (the step parity tests hold each part to the
    /// reference and this composition to the parts).
    @_spi(StepParity)
    public func step(global: CLIPAGAugmentation.GlobalDraw?, patches: CLIPAGAugmentation.PatchDraw?) -> IterationReport {
        precondition(!isFinished, "the run is complete")
        var clock = StageClock()
        let image = composedImage()
        let size = configuration.size
        let cut = image.detached()
        cut.requiresGrad = true
        let terms = objective(cut, global: global, patches: patches, clock: &clock)
        // A stop requested while the views went through CLIP gives up the step: no update.
        if Interruption.isRequested { return interruptedStep(bestLoss: best.loss ?? .nan) }
        let evaluated = Tensor(shape: [3, size, size], values: image.values)
        clock.measure("update") {
            update(imageGradient: cut.grad, image: image)
        }
        // The reference ranks images by the whole-image loss alone.
        let ranking = configuration.globalViews > 0 ? terms.global : terms.patch
        let improved = best.offer(ranking, evaluated)
        completedIterations += 1
        return IterationReport(
            iteration: completedIterations, iterations: iterations, loss: terms.total, similarity: terms.similarity,
            bestLoss: best.loss!, improved: improved, stages: clock.stages)
    }

    /// The loss terms of one step.
    @_spi(StepParity)
    public struct Terms {
        /// mean(1 − cos) over the global views and over the patches, unweighted.
        public var global: Float
        public var patch: Float
        /// The weighted total-variation term (0 when off).
        public var smoothness: Float
        /// globalWeight · global + patchWeight · patch + smoothness.
        public var total: Float
        /// Mean cosine of the global views (nil without global views).
        public var similarity: Float?
    }

    /// The loss of `image` [1, 3, size, size] (a leaf that requires gradients, where the gradient
    /// of the total gathers) under the given draws. As the royg27/CLIPAG notebook's `generate`:
    /// `clip_loss = (1 - cosine_similarity(image_features, target)).mean()` over the global views
    /// and `patch_loss` likewise over the patches, `loss = lambda_clip_loss · clip_loss +
    /// lambda_patch_loss · patch_loss`.
    @_spi(StepParity)
    public func objective(_ image: Tensor, global: CLIPAGAugmentation.GlobalDraw?, patches: CLIPAGAugmentation.PatchDraw?) -> Terms {
        var clock = StageClock()
        return objective(image, global: global, patches: patches, clock: &clock)
    }

    private func objective(
        _ cut: Tensor, global: CLIPAGAugmentation.GlobalDraw?, patches: CLIPAGAugmentation.PatchDraw?, clock: inout StageClock
    ) -> Terms {
        // Views of a cut at the image: every view's gradient gathers there, then flows once into
        // the pyramid (if any).
        let resolution = model.imageResolution
        var globalLoss: Float = 0, patchLoss: Float = 0
        var similarity: Float?
        if let global {
            var globalViews = clock.measure("augment") { augmentation.globalViews(cut, global) }
            if configuration.size != resolution {
                globalViews = resize(globalViews, height: resolution, width: resolution, mode: .bilinear)
            }
            let result = clock.measure("clip forward+backward") {
                views.backward(globalViews, text: text, weight: configuration.globalWeight) { cosines in
                    (1 - cosines).sum() * (1 / Float(configuration.globalViews))
                }
            }
            globalLoss = result.loss / configuration.globalWeight
            similarity = result.cosines.reduce(0, +) / Float(result.cosines.count)
        }
        if let patches {
            let patchViews = clock.measure("augment") { augmentation.patchViews(cut, patches) }
            patchLoss =
                clock.measure("clip forward+backward") {
                    views.backward(patchViews, text: text, weight: configuration.patchWeight) { cosines in
                        (1 - cosines).sum() * (1 / Float(configuration.patchCount))
                    }
                }.loss / configuration.patchWeight
        }
        var smoothness: Float = 0
        if configuration.tvWeight > 0 {
            let term = totalVariation(cut) * configuration.tvWeight
            smoothness = term.item
            term.backward()
        }
        let total = configuration.globalWeight * globalLoss + configuration.patchWeight * patchLoss + smoothness
        return Terms(global: globalLoss, patch: patchLoss, smoothness: smoothness, total: total, similarity: similarity)
    }

    /// One update from the loss's gradient with respect to the image [1, 3, size, size]: into the
    /// parameters (the pixels, or the pyramid levels), clipped to the recipe's norm, AdamW, then
    /// the projection into range (the notebook's `clip_grad_norm_`, `opt.step()`, `dynamic_thresh`).
    @_spi(StepParity)
    public func update(imageGradient: Tensor) {
        update(imageGradient: imageGradient, image: composedImage())
    }

    private func update(imageGradient: Tensor?, image: Tensor) {
        if let imageGradient { (image * imageGradient).sum().backward() }
        if configuration.gradientClip > 0 { _ = clipGradientNorm(parameters, maxNorm: configuration.gradientClip) }
        optimizer.update()
        projectIntoRange()
    }

    /// The image [1, 3, size, size] the parameters describe (with its graph to them).
    private func composedImage() -> Tensor {
        pyramid?.compose(parameters) ?? parameters[0]
    }

    /// After a step: dynamic thresholding (or clamping) of the image; a pyramid is rebuilt from
    /// the thresholded image, so it always describes an image in range.
    private func projectIntoRange() {
        let image = composedImage().detached().copy()
        if let threshold { threshold.apply(image) } else { image.clampInPlace(0, 1) }
        if let pyramid {
            for (parameter, level) in zip(parameters, pyramid.decompose(image)) { parameter.assign(level.values) }
        } else {
            parameters[0].assign(image.values)
        }
    }
}

extension CLIPAG: ResumableMethod {
    /// The image's parameters (pixels or pyramid levels), AdamW, the views' generator and the
    /// best image.
    public func captureState() -> MethodState {
        var state = MethodState()
        state.set("step", completedIterations)
        state.set("generator", generator)
        for (index, parameter) in parameters.enumerated() { state.set("image.\(index)", parameter) }
        state.set("adamw", optimizer: optimizer)
        state.set("best.loss", loss: best.loss)
        state.set("best.image", floats: best.value?.values ?? [])
        return state
    }

    public func restoreState(_ state: MethodState) throws {
        let values = try parameters.enumerated().map { try state.floats("image.\($0)", count: $1.count) }
        let (step, restoredGenerator, bestLoss) = (try state.int("step"), try state.generator("generator"), try state.loss("best.loss"))
        let size = configuration.size
        let bestImage = try state.floats("best.image", count: bestLoss == nil ? 0 : 3 * size * size)
        try state.restore("adamw", into: optimizer)
        for (parameter, level) in zip(parameters, values) { parameter.assign(level) }
        generator = restoredGenerator
        best = BestSoFar(loss: bestLoss, value: bestLoss.map { _ in Tensor(shape: [3, size, size], values: bestImage) })
        completedIterations = step
    }
}
