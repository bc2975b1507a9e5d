import Guidance
import Models
import Raster
import Scene
import Tensor

/// CLIPDraw: a text prompt to an editable vector drawing.
///
/// One step: rasterize the strokes, make `augmentations` randomly warped and cropped copies,
/// embed them with CLIP's image tower, and move points, widths and colours (Adam, three groups)
/// to raise the cosine similarity to the prompt (minus any negative prompts'); then clamp widths
/// and colours. The drawing with the lowest loss seen is kept as the result.
///
/// With a style image this is StyleCLIPDraw: each step adds `styleWeight` times the style loss
/// of the render (`StyleObjective`) to the CLIP loss, and the steps from `clipUntil` of the run
/// on use the style loss alone.
public final class CLIPDraw: IterativeMethod {
    public let configuration: Configuration
    public let iterations: Int
    public private(set) var completedIterations = 0
    public var hasConverged: Bool { false }
    /// Prompts longer than CLIP's context, which were cut (the caller may warn).
    public let truncatedPrompts: [String]

    private let model: CLIPModel
    private let parameters: SceneParameters
    /// Points, widths, colours.
    private let optimizers: [Adam]
    private let augmentation: PerspectiveCropAugmentation
    private let palette: PaletteProjection?
    /// Unit text embeddings [prompts, embed]: the prompt first, then the negatives.
    private let textEmbeddings: Tensor
    /// Per prompt, its factor in the loss: −1 for the prompt, the weight for each negative.
    private let promptWeights: Tensor
    private let rasterWidth: Int
    private let rasterHeight: Int
    private var generator: SeededGenerator
    private var best = BestSoFar<Scene>()
    /// StyleCLIPDraw's style side, nil for CLIPDraw.
    private let style: StyleObjective?

    /// Prepares a run: encodes the prompts (then releases the model's text tower, which the run
    /// no longer needs), and builds the starting drawing — `start`'s paths, if given, followed by
    /// `configuration.paths` random strokes, and with `style`, reads the style image's
    /// hypercolumns. Every random choice comes from `seed`.
    public init(
        prompt: String, configuration: Configuration, model: CLIPModel, seed: UInt64, start: Scene? = nil, style: DrawingStyle? = nil
    ) throws {
        try configuration.validate()
        if style == nil, configuration.clipSteps < configuration.iterations {
            throw MethodError(
                "clip_until \(configuration.clipUntil) leaves steps without CLIP, which only a style image can guide; give --style IMAGE or clip_until 1"
            )
        }
        if let start, start.width <= 0 || start.height <= 0 {
            throw MethodError("the start drawing has an empty canvas (\(start.width)x\(start.height))")
        }
        if start?.paths.isEmpty ?? true, configuration.paths == 0 {
            throw MethodError("nothing to optimise: the drawing would have no paths (use --paths N)")
        }
        self.configuration = configuration
        self.model = model
        iterations = configuration.iterations

        let prompts = [prompt] + configuration.negatives.map(\.text)
        let encoded = try PromptEncoder.encode(prompts, with: model)
        model.releaseTextTower()
        textEmbeddings = encoded.embeddings
        truncatedPrompts = encoded.truncated
        promptWeights = Tensor(shape: [1, prompts.count], values: [-1] + configuration.negatives.map(\.weight))

        var initGenerator = SeededGenerator(seed: SeededGenerator.mix(seed ^ 0x436C_6970_4472_6177))
        generator = SeededGenerator(seed: SeededGenerator.mix(seed))
        let background = try configuration.backgroundColor()
        var scene = start ?? Scene(width: configuration.canvas, height: configuration.canvas, background: background)
        scene.background = background
        scene.paths += RandomStrokes.make(
            count: configuration.paths, width: scene.width, height: scene.height,
            segments: configuration.minSegments...configuration.maxSegments, spread: configuration.pointSpread,
            strokeWidth: configuration.initialWidth, opaque: !configuration.opacity, generator: &initGenerator)

        let hasFills = scene.paths.contains { $0.isClosed && $0.fillColor != nil }
        parameters = SceneParameters(scene, optimising: hasFills ? .all : [.points, .strokeWidths, .strokeColors])
        let colors = [parameters.strokeColors, parameters.fillColors].filter(\.requiresGrad)
        let schedule = configuration.pointSchedule.map {
            // kvfrans/clipdraw predict.py sets the rate at the top of the loop, `if t ==
            // int(args.num_iter * 0.5): g['lr'] = 0.4`, so step t (counted from 0, as the
            // schedule counts completed steps) is the first at the lower rate.
            LearningRateSchedule.Threshold(atStep: Int($0.fraction * Float(configuration.iterations)), factor: $0.factor)
        }
        // Three optimisers, as predict.py's points_optim, width_optim and color_optim. The
        // reference's widths are radii with Adam's eps = 1e-8; on full widths (twice the radius,
        // gradient halved) the same steps need eps = 0.5e-8, which matters for strokes whose
        // width gradient is near eps.
        optimizers = [
            Adam(groups: [
                ParameterGroup([parameters.points], learningRate: configuration.pointLearningRate, schedule: .thresholds(schedule))
            ]),
            Adam(groups: [ParameterGroup([parameters.strokeWidths], learningRate: configuration.widthLearningRate)], epsilon: 0.5e-8),
            Adam(groups: [ParameterGroup(colors, learningRate: configuration.colorLearningRate)]),
        ]
        let paletteColors = try configuration.paletteColors()
        palette = paletteColors.isEmpty ? nil : PaletteProjection(palette: paletteColors)
        augmentation = .clipDraw(
            copies: configuration.augmentations, size: model.imageResolution, normalization: configuration.normalize ? .openAI : nil)
        let scale = Float(configuration.canvas) / Float(max(scene.width, scene.height))
        rasterWidth = max(1, Int((Float(scene.width) * scale).rounded()))
        rasterHeight = max(1, Int((Float(scene.height) * scale).rounded()))
        var styleGenerator = SeededGenerator(seed: SeededGenerator.mix(seed ^ 0x5374_796C_6544_7261))
        self.style = try style.map { try StyleObjective(style: $0, canvas: configuration.canvas, generator: &styleGenerator) }
    }

    /// The drawing as the next step will see it.
    public var currentScene: Scene { drawnParameters().scene }

    /// The drawing with the lowest loss so far (the current one before the first step).
    public var bestScene: Scene { best.value ?? currentScene }

    /// Whether the next step uses CLIP (all of CLIPDraw's do; StyleCLIPDraw's last ones don't).
    private var usesCLIP: Bool { completedIterations < configuration.clipSteps }

    public func step() -> IterationReport {
        let draw = usesCLIP ? augmentation.sample(imageHeight: rasterHeight, imageWidth: rasterWidth, generator: &generator) : nil
        let locations = style?.sampleLocations(height: rasterHeight, width: rasterWidth, generator: &generator)
        return step(draw, styleLocations: locations)
    }

    /// One step with the given augmentation draw (nil once CLIP is off) and, with a style, the
    /// locations its loss reads; `step()` is this with fresh draws. It is `renderedImage()`,
    /// `objective`, the style loss, the backward pass and `update()` in that order (the step
    /// parity tests hold each part to the reference and this composition to the parts).
    @_spi(StepParity)
    public func step(_ draw: PerspectiveCropAugmentation.Draw?, styleLocations: StyleHypercolumns.Locations? = nil) -> IterationReport {
        precondition(!isFinished, "the run is complete")
        precondition((draw != nil) == usesCLIP, "a step takes an augmentation draw exactly while CLIP is on")
        precondition((styleLocations != nil) == (style != nil), "a step takes style locations exactly when the run has a style")
        var clock = StageClock()
        let drawn = drawnParameters()
        let image = clock.measure("render") { render(drawn) }
        var loss: Tensor?
        var similarity: Float?
        if let draw {
            let (clipLoss, cosines) = objective(image, draw, clock: &clock)
            let promptCount = textEmbeddings.shape[0]
            let cosineValues = cosines.values
            similarity =
                stride(from: 0, to: cosineValues.count, by: promptCount).map { cosineValues[$0] }.reduce(0, +)
                / Float(configuration.augmentations)
            loss = clipLoss
        }
        if let style, let styleLocations {
            let styleLoss = clock.measure("style loss") { style(image, at: styleLocations) * configuration.styleWeight }
            loss = loss.map { $0 + styleLoss } ?? styleLoss
        }
        guard let loss else { preconditionFailure("a step without CLIP has a style loss") }
        let lossValue = loss.item
        // The style-only steps minimise another objective: their best is kept from among them.
        if completedIterations == configuration.clipSteps, completedIterations > 0 { best = BestSoFar() }
        let improved = best.offer(lossValue, drawn.scene)
        clock.measure("backward") { loss.backward() }
        clock.measure("update") { update() }
        completedIterations += 1
        return IterationReport(
            iteration: completedIterations, iterations: iterations, loss: lossValue, similarity: similarity,
            bestLoss: best.loss!, improved: improved, stages: clock.stages)
    }

    /// The current drawing rendered [1, 3, H, W], on the tape back to the optimised parameters.
    @_spi(StepParity)
    public func renderedImage() -> Tensor {
        render(drawnParameters())
    }

    /// The parameters Adam moves (points, full stroke widths, colours): their gradients after a
    /// backward pass are what `update()` consumes.
    @_spi(StepParity)
    public var optimisedParameters: SceneParameters { parameters }

    /// The loss of `image` [1, 3, H, W] under `draw`, and the cosines [copies, prompts]. As
    /// kvfrans/clipdraw predict.py's loop: the copies (perspective, then resized crop, then
    /// normalisation) go through CLIP as one batch, and the loss is, summed over the copies,
    /// −cos(prompt) + Σ weight · cos(negative).
    @_spi(StepParity)
    public func objective(_ image: Tensor, _ draw: PerspectiveCropAugmentation.Draw) -> (loss: Tensor, cosines: Tensor) {
        var clock = StageClock()
        return objective(image, draw, clock: &clock)
    }

    private func objective(_ image: Tensor, _ draw: PerspectiveCropAugmentation.Draw, clock: inout StageClock) -> (
        loss: Tensor, cosines: Tensor
    ) {
        let views = clock.measure("augment") { augmentation.apply(image, draw) }
        let cosines = clock.measure("clip forward") {
            matmul(l2Normalize(model.imageEmbedding(views)), textEmbeddings, transposeB: true)
        }
        return ((cosines * promptWeights).sum(), cosines)
    }

    /// Adam on the three groups from the gradients the parameters hold, then the clamps.
    @_spi(StepParity)
    public func update() {
        for optimizer in optimizers { optimizer.update() }
        clampParameters()
    }

    private func render(_ drawn: SceneParameters) -> Tensor {
        rasterize(drawn, width: rasterWidth, height: rasterHeight).reshaped([1, 3, rasterHeight, rasterWidth])
    }

    /// The parameters as drawn: colours snapped to the palette, if there is one.
    private func drawnParameters() -> SceneParameters {
        guard let palette else { return parameters }
        return parameters.withColors(stroke: palette(parameters.strokeColors), fill: palette(parameters.fillColors))
    }

    /// The reference's projection after each step: widths into their range, colours into [0, 1].
    private func clampParameters() {
        parameters.strokeWidths.clampInPlace(configuration.minWidth, configuration.maxWidth)
        for colors in [parameters.strokeColors, parameters.fillColors] where colors.requiresGrad {
            colors.clampInPlace(0, 1)
            if !configuration.opacity {
                for row in 0..<colors.shape[0] { colors.pointer[4 * row + 3] = 1 }
            }
        }
    }
}

extension CLIPDraw: ResumableMethod {
    /// The drawing's values, the three optimisers, the augmentations' generator and the best.
    public func captureState() -> MethodState {
        var state = MethodState()
        state.set("step", completedIterations)
        state.set("generator", generator)
        state.set("drawing", scene: parameters.scene)
        for (name, optimizer) in zip(Self.optimizerNames, optimizers) { state.set(name, optimizer: optimizer) }
        state.set("best.loss", loss: best.loss)
        state.set("best.drawing", scene: best.value)
        return state
    }

    public func restoreState(_ state: MethodState) throws {
        let template = parameters.scene
        let drawing = SceneParameters(template, optimising: [])
        for (part, tensor) in [
            ("points", drawing.points), ("widths", drawing.strokeWidths), ("stroke", drawing.strokeColors), ("fill", drawing.fillColors),
        ] {
            try state.restore("drawing.\(part)", into: tensor)
        }
        for (name, optimizer) in zip(Self.optimizerNames, optimizers) { try state.restore(name, into: optimizer) }
        let bestDrawing = try state.scene("best.drawing", like: currentScene)
        let bestLoss = try state.loss("best.loss")
        let step = try state.int("step")
        generator = try state.generator("generator")
        for (target, source) in zip(
            [parameters.points, parameters.strokeWidths, parameters.strokeColors, parameters.fillColors],
            [drawing.points, drawing.strokeWidths, drawing.strokeColors, drawing.fillColors])
        {
            target.assign(source.values)
        }
        best = BestSoFar(loss: bestLoss, value: bestDrawing)
        completedIterations = step
    }

    private static let optimizerNames = ["adam.points", "adam.widths", "adam.colors"]
}
