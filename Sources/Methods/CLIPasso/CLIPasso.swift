import Guidance
import Models
import Raster
import Scene
import Tensor

/// CLIPasso: a photo to a sketch of a few black strokes, one run (one seed, one stroke count).
///
/// One step: rasterize the strokes; make the clean copy and `augmentations` copies of sketch and
/// photo with the same random perspective and crop; compare their CLIP features (the photo's
/// clean features are computed once, in `SketchTarget`); move the control points (Adam). Every
/// `evalInterval` steps the clean copy's loss is the evaluation loss: at the lowest one the sketch
/// is kept as that step's update leaves it (as the reference saves it), and the run stops when
/// the loss stays within `minDelta` of the best twice.
public final class CLIPasso: IterativeMethod {
    public let configuration: Configuration
    public let iterations: Int
    public let seed: UInt64
    public private(set) var completedIterations = 0
    public private(set) var hasConverged = false
    /// Where the strokes started (canvas pixels), for pictures of the saliency.
    public let startPixels: [SaliencySampler.Pixel]

    private let target: SketchTarget
    private let parameters: SceneParameters
    private let optimizer: Adam
    private let augmentation: PerspectiveCropAugmentation
    private let size: Int
    private var generator: SeededGenerator
    private var best = BestSoFar<Scene>()
    /// The reference's `terminate`: an evaluation already came within `minDelta` of the best.
    private var nearBestOnce = false

    /// Prepares a run on `target` with `configuration.strokes` strokes. Every random choice
    /// (start pixels, their random walks, augmentations) comes from `seed`.
    public init(target: SketchTarget, configuration: Configuration, seed: UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        self.target = target
        self.seed = seed
        iterations = configuration.iterations
        let size = target.image.shape[3]
        self.size = size

        var initGenerator = SeededGenerator(seed: SeededGenerator.mix(seed ^ 0x436C_6970_6173_736F))
        generator = SeededGenerator(seed: SeededGenerator.mix(seed))
        startPixels =
            configuration.saliencyInit
            ? SalientStrokes.startPixels(
                count: configuration.strokes, target: target, temperature: configuration.softmaxTemperature, size: size,
                generator: &initGenerator)
            : (0..<configuration.strokes).map { _ in
                SaliencySampler.Pixel(x: initGenerator.nextInt(below: size), y: initGenerator.nextInt(below: size))
            }
        let paths = SalientStrokes.make(
            from: startPixels, size: size, spread: configuration.pointSpread, width: configuration.strokeWidth,
            color: try configuration.strokeColor(), generator: &initGenerator)
        parameters = SceneParameters(Scene(width: size, height: size, background: .white, paths: paths), optimising: .points)
        optimizer = Adam(groups: [ParameterGroup([parameters.points], learningRate: configuration.learningRate)])
        augmentation = .clipasso(copies: configuration.augmentations, size: size, normalization: .openAI)
    }

    /// The sketch as the next step will see it.
    public var currentScene: Scene { parameters.scene }

    /// The sketch after the step with the lowest evaluation loss so far (the current one before
    /// any evaluation).
    public var bestScene: Scene { best.value ?? currentScene }

    /// The lowest evaluation loss so far.
    public var bestEvaluationLoss: Float? { best.loss }

    /// What one step computed, kept so that a step can be checked against the reference
    /// implementation term by term.
    public struct StepDetail {
        /// The rendered sketch [1, 3, R, R] the losses were taken on.
        public let image: Tensor
        /// The weighted loss terms, means over the copies: one per geometric layer in the order
        /// configured, then the semantic term when its weight is positive.
        public let terms: [Float]
        /// The same terms for the clean copy against the clean photo, on evaluation steps.
        public let evaluationTerms: [Float]?
        /// d(loss)/d(image) [1, 3, R, R], and what the rasterizer makes of it: d(loss)/d(points),
        /// the gradient Adam was given.
        public let imageGradient: Tensor
        public let pointsGradient: Tensor
    }

    /// The last step's terms and gradients (`nil` before the first step).
    public private(set) var lastStep: StepDetail?

    public func step() -> IterationReport {
        precondition(!isFinished, "the run is complete")
        let before = generator
        let report = step(augmentation: augmentation.sample(imageHeight: size, imageWidth: size, generator: &generator))
        // A step given up for an interruption did not happen: a checkpoint taken now must
        // resume with the draw it would have made.
        if report.interrupted { generator = before }
        return report
    }

    /// One step with the given perspective and crop of each copy (shared by sketch and photo);
    /// `step()` is this with a fresh draw from the run's generator.
    ///
    /// `updateGradient`, when given, is the points gradient Adam steps with instead of the one
    /// just computed (which `lastStep` still reports): the step-parity test gives the one the
    /// reference was given, so that each step is compared from the reference's own state rather
    /// than after float32 rounding has compounded through Adam's first, sign-like steps.
    public func step(augmentation draw: PerspectiveCropAugmentation.Draw, updateGradient: [Float]? = nil) -> IterationReport {
        precondition(!isFinished, "the run is complete")
        precondition(draw.perspectives.count == configuration.augmentations, "a draw for \(configuration.augmentations) copies is needed")
        var clock = StageClock()
        let evaluates = completedIterations % configuration.evalInterval == 0
        let image = clock.measure("render") { rasterize(parameters, width: size, height: size).reshaped([1, 3, size, size]) }
        // The losses differentiate into this cut; its gradient then goes through the rasterizer once.
        let cut = image.detached()
        cut.requiresGrad = true
        let (sketchViews, targetViews) = clock.measure("augment") {
            (concat([CLIPModel.normalize(cut), augmentation.apply(cut, draw)], axis: 0), augmentation.apply(target.image, draw))
        }
        let objective = target.objective
        let targetFeatures = clock.measure("target forward") { target.cleanFeatures.followed(by: objective.features(targetViews)) }
        // The loss is a mean over copies, so the copies go through the model `viewsPerPass` at a
        // time, each chunk's loss weighted by its share of the batch: only one chunk's activations
        // are on the tape at once, and the gradient is that of the whole-batch loss.
        let copies = sketchViews.shape[0]
        var terms = [Float](repeating: 0, count: objective.termCount)
        var evaluationTerms: [Float]?
        let lossValue = ChunkedViews.backward(
            sketchViews, chunkSize: configuration.viewsPerPass, backward: { pass in clock.measure("backward") { pass.backward() } }
        ) { chunk, range in
            let sketchFeatures = clock.measure("sketch forward") { objective.features(chunk) }
            // The clean copy against the clean photo is exactly the reference's evaluation pass.
            if evaluates && range.lowerBound == 0 {
                evaluationTerms = objective.terms(sketchFeatures.firstView, target.cleanFeatures).map(\.item)
            }
            let share = Float(range.count) / Float(copies)
            let chunkTerms = objective.terms(sketchFeatures, targetFeatures.views(range)).map { $0 * share }
            for (index, term) in chunkTerms.enumerated() { terms[index] += term.item }
            return chunkTerms.dropFirst().reduce(chunkTerms[0], +)
        }
        if Interruption.isRequested { return interruptedStep(bestLoss: best.loss ?? .nan) }
        let imageGradient = cut.grad ?? Tensor(repeating: 0, shape: cut.shape)
        clock.measure("backward") { (image * imageGradient).sum().backward() }
        let pointsGradient = parameters.points.grad?.copy() ?? Tensor(repeating: 0, shape: parameters.points.shape)
        if let updateGradient { optimizer.replaceGradients(with: updateGradient) }
        clock.measure("update") { optimizer.update() }
        completedIterations += 1
        lastStep = StepDetail(
            image: cut.detached(), terms: terms, evaluationTerms: evaluationTerms, imageGradient: imageGradient,
            pointsGradient: pointsGradient)

        var improved = false
        if let evaluationTerms {
            // The reference saves the best sketch after this step's update (painterly_rendering.py:
            // `renderer.save_svg(args.output_dir, "best_iter")` follows `optimizer.step_()`), though
            // the loss it ranks by was taken on the image before it.
            improved = record(evaluation: evaluationTerms.reduce(0, +), scene: parameters.scene)
        }
        var report = IterationReport(
            iteration: completedIterations, iterations: iterations, loss: lossValue, bestLoss: best.loss ?? lossValue,
            improved: improved, converged: hasConverged, stages: clock.stages)
        report.bestIsEvaluation = best.loss != nil
        return report
    }

    /// The reference's bookkeeping: a loss more than `minDelta` below the best replaces it; one
    /// within `minDelta` of the best arms the stop, and a second one stops the run.
    private func record(evaluation: Float, scene: Scene) -> Bool {
        if best.offer(evaluation, scene, margin: configuration.minDelta) {
            nearBestOnce = false
            return true
        }
        if abs(evaluation - (best.loss ?? .infinity)) > configuration.minDelta { return false }
        if nearBestOnce { hasConverged = true }
        nearBestOnce = true
        return false
    }
}

extension CLIPasso: ResumableMethod {
    /// The control points, Adam, the augmentations' generator, the best sketch and the
    /// early-stopping bookkeeping.
    public func captureState() -> MethodState {
        var state = MethodState()
        state.set("step", completedIterations)
        state.set("generator", generator)
        state.set("points", parameters.points)
        state.set("adam", optimizer: optimizer)
        state.set("best.loss", loss: best.loss)
        state.set("best.sketch", scene: best.value)
        state.set("near-best-once", nearBestOnce)
        state.set("converged", hasConverged)
        return state
    }

    public func restoreState(_ state: MethodState) throws {
        let points = try state.floats("points", count: parameters.points.count)
        let bestSketch = try state.scene("best.sketch", like: parameters.scene)
        let bestLoss = try state.loss("best.loss")
        let (step, near, converged) = (try state.int("step"), try state.bool("near-best-once"), try state.bool("converged"))
        let restoredGenerator = try state.generator("generator")
        try state.restore("adam", into: optimizer)
        parameters.points.assign(points)
        generator = restoredGenerator
        best = BestSoFar(loss: bestLoss, value: bestSketch)
        nearBestOnce = near
        hasConverged = converged
        completedIterations = step
    }
}
