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
/// `evalInterval` steps the clean copy's loss is the evaluation loss: the lowest one's sketch is
/// kept, and the run stops when it stays within `minDelta` of the best twice.
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
        startPixels = configuration.saliencyInit
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

    /// The sketch with the lowest evaluation loss so far (the current one before any evaluation).
    public var bestScene: Scene { best.value ?? currentScene }

    /// The lowest evaluation loss so far.
    public var bestEvaluationLoss: Float? { best.loss }

    public func step() -> IterationReport {
        precondition(!isFinished, "the run is complete")
        var clock = StageClock()
        let evaluates = completedIterations % configuration.evalInterval == 0
        let drawnScene = evaluates ? parameters.scene : nil
        let image = clock.measure("render") { rasterize(parameters, width: size, height: size).reshaped([1, 3, size, size]) }
        let (sketchViews, targetViews) = clock.measure("augment") {
            let draw = augmentation.sample(imageHeight: size, imageWidth: size, generator: &generator)
            return (
                concat([CLIPModel.normalize(image), augmentation.apply(image, draw)], axis: 0),
                augmentation.apply(target.image, draw))
        }
        let objective = target.objective
        let targetFeatures = clock.measure("target forward") { target.cleanFeatures.followed(by: objective.features(targetViews)) }
        // The loss is a mean over copies, so the copies go through the model `viewsPerPass` at a
        // time, each chunk's loss weighted by its share of the batch: only one chunk's activations
        // are on the tape at once, and the gradient is that of the whole-batch loss.
        let copies = sketchViews.shape[0]
        var evaluation: Float?
        let lossValue = ChunkedViews.backward(
            sketchViews, chunkSize: configuration.viewsPerPass, backward: { pass in clock.measure("backward") { pass.backward() } }
        ) { chunk, range in
            let sketchFeatures = clock.measure("sketch forward") { objective.features(chunk) }
            // The clean copy against the clean photo is exactly the reference's evaluation pass.
            if evaluates && range.lowerBound == 0 { evaluation = objective.loss(sketchFeatures.firstView, target.cleanFeatures).item }
            return objective.loss(sketchFeatures, targetFeatures.views(range)) * (Float(range.count) / Float(copies))
        }
        if Interruption.isRequested { return interruptedStep(bestLoss: best.loss ?? .nan) }
        clock.measure("update") { optimizer.update() }
        completedIterations += 1

        var improved = false
        if let evaluation, let drawnScene {
            improved = record(evaluation: evaluation, scene: drawnScene)
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
