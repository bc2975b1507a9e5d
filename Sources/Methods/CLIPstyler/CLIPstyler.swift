import Foundation
import Guidance
import Models
import Tensor

/// CLIPstyler: a photo repainted in the style a text describes, by training a small U-Net for
/// this one photo (Kwon & Ye 2022).
///
/// Before the first step: the style text and the source text ("a Photo") are each embedded as
/// the mean of their 79 template prompts, and their normalised difference is the text
/// direction; CLIP embeds the photo (the source image embedding); the content network reads the
/// photo's features. One step: the U-Net stylises the photo; the loss is
/// 9000 × patch directional loss (random perspective-warped crops, those already below tau
/// rejected) + 500 × global directional loss (the whole output at CLIP's resolution) + 150 ×
/// content loss + 0.002 × total variation; Adam steps the U-Net's weights.
public final class CLIPstyler: IterativeMethod {
    public let configuration: Configuration
    public let iterations: Int
    public private(set) var completedIterations = 0
    public var hasConverged: Bool { false }
    /// The texts (style or source) some of whose template prompts were cut at CLIP's context.
    public let truncatedTexts: [String]
    /// The size the photo is stylised at.
    public let workingSize: WorkingSize
    /// Which network the content loss compares, for the run's notes.
    public let contentDescription: String
    /// The content network the run was given (`.clipFeatures`: the substitute).
    public let contentNetwork: ContentNetwork

    private let model: CLIPModel
    /// The photo at the working size [1, 3, h, w]: the U-Net's input at every step.
    private let photo: Tensor
    private let network: StylerUNet
    private let optimizer: Adam
    private let content: ContentFeatureSource
    private let contentTargets: [Tensor]
    private let sourceImageEmbedding: Tensor
    private let styleEmbedding: Tensor
    private let direction: Tensor
    private let patchViews: CLIPstylerPatchAugmentation
    private let views: ChunkedViews
    private let outputContrast: OutputContrast
    private var generator: SeededGenerator
    private var best = BestSoFar<Void>()
    /// `currentImage`, computed once per state of the U-Net.
    private var finished: Tensor?

    /// Prepares a run on `photo` [3, H, W] in [0, 1]: resizes it to the working size, encodes the
    /// texts (then releases the model's text tower) and reads the photo's CLIP embedding and
    /// content features. The U-Net's initial weights and every random choice come from `seed`.
    public init(
        photo: Tensor, style: String, configuration: Configuration, model: CLIPModel, contentNetwork: ContentNetwork, seed: UInt64
    ) throws {
        try configuration.validate()
        guard !style.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw MethodError("the style text is empty; describe the style, e.g. \"oil painting of flowers\" or \"fire\"")
        }
        guard photo.rank == 3, photo.shape[0] == 3, photo.shape[1] > 0, photo.shape[2] > 0 else {
            throw MethodError("the photo must be RGB [3, H, W], got \(photo.shape)")
        }
        let workingSize = WorkingSize(photoHeight: photo.shape[1], photoWidth: photo.shape[2], longerSide: configuration.size)
        if configuration.patches > 0 && configuration.patchSize > min(workingSize.height, workingSize.width) {
            throw MethodError(
                "patch_size \(configuration.patchSize) is larger than the working image's shorter side "
                    + "(\(workingSize.width)x\(workingSize.height)); use a larger size or a smaller patch_size")
        }
        self.configuration = configuration
        self.workingSize = workingSize
        self.model = model
        iterations = configuration.iterations

        let styleEncoding = try PromptEncoder.encode(PromptTemplates.imageNetPrompts(for: style), with: model, normalized: false)
        let sourceEncoding = try PromptEncoder.encode(
            PromptTemplates.imageNetPrompts(for: configuration.source), with: model, normalized: false)
        model.releaseTextTower()
        truncatedTexts = [(style, styleEncoding), (configuration.source, sourceEncoding)].filter { !$0.1.truncated.isEmpty }.map(\.0)
        styleEmbedding = templateEmbedding(styleEncoding.embeddings)
        direction = textDirection(style: styleEncoding.embeddings, source: sourceEncoding.embeddings)

        // As the reference's loader: the whole photo, resized (PIL's antialiased bicubic).
        let resized =
            [workingSize.height, workingSize.width] == [photo.shape[1], photo.shape[2]]
            ? photo : ImagePreprocessing.resizeAntialiased(photo, height: workingSize.height, width: workingSize.width)
        self.photo = resized.reshaped([1, 3, workingSize.height, workingSize.width])
        self.contentNetwork = contentNetwork
        switch contentNetwork {
        case .vgg19(let network): content = VGGContentFeatures(network: network)
        case .clipFeatures: content = CLIPContentFeatures(model: model)
        }
        contentDescription = content.description
        contentTargets = content.features(self.photo)
        views = ChunkedViews(model: model, chunkSize: configuration.viewsPerPass)
        sourceImageEmbedding = model.imageEmbedding(Self.globalView(of: self.photo, resolution: model.imageResolution))

        network = StylerUNet(seed: SeededGenerator.mix(seed ^ 0x5374_796C_6572))
        optimizer = Adam(groups: [
            ParameterGroup(
                network.parameters, learningRate: configuration.learningRate,
                schedule: .step(every: configuration.learningRateStep, gamma: configuration.learningRateGamma))
        ])
        patchViews = CLIPstylerPatchAugmentation(
            patches: max(configuration.patches, 1), patchSize: configuration.patchSize,
            perspective: RandomPerspective(distortionScale: Double(configuration.perspectiveDistortion), probability: 1, fill: [0]),
            size: model.imageResolution)
        outputContrast = OutputContrast(factor: configuration.outputContrast, stretch: configuration.outputStretch)
        generator = SeededGenerator(seed: SeededGenerator.mix(seed))
    }

    /// The stylised photo [3, h, w] as the U-Net makes it now, finished as the reference saves it
    /// (clamp, contrast, stretch).
    public var currentImage: Tensor {
        if let finished { return finished }
        let output = network(photo).detached()
        let image = outputContrast.apply(output.reshaped([3, workingSize.height, workingSize.width]))
        finished = image
        return image
    }

    /// The result: the reference keeps the U-Net as training leaves it, so this is
    /// `currentImage` (the total loss is noisy from step to step — random patches, rejection —
    /// and does not rank outputs well).
    public var bestImage: Tensor { currentImage }

    /// What one step computed, kept so that a step can be checked against the reference
    /// implementation term by term.
    public struct StepDetail {
        /// The U-Net's output the losses were taken on [1, 3, h, w].
        public let output: Tensor
        /// The loss terms with their weights, as they enter the total.
        public let content: Float
        public let totalVariation: Float
        public let global: Float
        public let patch: Float
        /// d(total loss)/d(output) [1, 3, h, w], what the U-Net's backward starts from.
        public let outputGradient: Tensor
        /// What Adam was given: d(total loss)/d(parameter), in `networkParameters` order.
        public let parameterGradients: [Tensor]
    }

    /// The last step's terms and gradient (`nil` before the first step).
    public private(set) var lastStep: StepDetail?

    /// The U-Net's trainable tensors under the reference's state-dict names (read-only use).
    public var networkParameters: [(name: String, tensor: Tensor)] { network.namedParameters }

    public func step() -> IterationReport {
        precondition(!isFinished, "the run is complete")
        let before = generator
        let draw =
            configuration.patches > 0
            ? patchViews.sample(imageHeight: workingSize.height, imageWidth: workingSize.width, generator: &generator) : nil
        let report = step(patches: draw)
        // A step given up for an interruption did not happen: a checkpoint taken now must
        // resume with the draw it would have made.
        if report.interrupted { generator = before }
        return report
    }

    /// One step with the given patch crops and warps (`nil` when the recipe has no patches);
    /// `step()` is this with a fresh draw from the run's generator.
    ///
    /// `updateGradients`, when given, are the parameter gradients (`networkParameters` order,
    /// concatenated) Adam steps with instead of the ones just computed (which `lastStep` still
    /// reports): the step-parity test gives the ones the reference was given, so that each step
    /// starts from the reference's weights rather than after float32 rounding has compounded
    /// through Adam's first, sign-like steps.
    public func step(patches draw: CLIPstylerPatchAugmentation.Draw?, updateGradients: [Float]? = nil) -> IterationReport {
        precondition(!isFinished, "the run is complete")
        precondition((draw == nil) == (configuration.patches == 0), "a patch draw is needed exactly when the recipe has patches")
        var clock = StageClock()
        finished = nil
        let output = clock.measure("unet forward") { network(photo) }
        // Every loss term differentiates into this cut; the sum then goes through the U-Net once.
        let cut = output.detached()
        cut.requiresGrad = true

        let contentLoss = clock.measure("content") { () -> Float in
            let loss = Methods.contentLoss(content.features(cut), targets: contentTargets) * configuration.contentWeight
            loss.backward()
            return loss.item
        }
        let tvLoss = clock.measure("total variation") { () -> Float in
            let loss = totalVariation(cut) * configuration.tvWeight
            loss.backward()
            return loss.item
        }
        let (globalLoss, similarity) = clock.measure("clip global") { () -> (Float, Float) in
            let embedding = model.imageEmbedding(Self.globalView(of: cut, resolution: model.imageResolution))
            let similarity = matmul(l2Normalize(embedding.detached()), styleEmbedding, transposeB: true).item
            let loss =
                globalDirectionalLoss(imageEmbeddings: embedding, sourceImageEmbedding: sourceImageEmbedding, textDirection: direction)
                * configuration.globalWeight
            loss.backward()
            return (loss.item, similarity)
        }
        var patchLoss: Float = 0
        if let draw {
            let patches = clock.measure("augment") { patchViews.apply(cut, draw) }
            let scale = 1 / Float(configuration.patches)
            patchLoss = clock.measure("clip patches") {
                views.backward(patches, weight: configuration.patchWeight) { embeddings in
                    // The reference's mean over all patches, taken chunk by chunk: Σ kept / N.
                    let losses = directionalLosses(
                        imageEmbeddings: embeddings, sourceImageEmbedding: sourceImageEmbedding, textDirection: direction)
                    return thresholdRejectedMean(losses, threshold: configuration.rejectionThreshold) * (Float(losses.count) * scale)
                }
            }
        }
        if Interruption.isRequested { return interruptedStep(bestLoss: best.loss ?? .infinity) }
        let gradient = cut.grad
        var parameterGradients: [Tensor] = []
        clock.measure("unet backward+update") {
            if let gradient { (output * gradient).sum().backward() }
            parameterGradients = network.parameters.map { $0.grad?.copy() ?? Tensor(repeating: 0, shape: $0.shape) }
            if let updateGradients { optimizer.replaceGradients(with: updateGradients) }
            optimizer.update()
        }
        lastStep = StepDetail(
            output: cut.detached(), content: contentLoss, totalVariation: tvLoss, global: globalLoss, patch: patchLoss,
            outputGradient: gradient?.copy() ?? Tensor(repeating: 0, shape: cut.shape), parameterGradients: parameterGradients)
        let loss = contentLoss + tvLoss + globalLoss + patchLoss
        let improved = best.offer(loss, ())
        completedIterations += 1
        return IterationReport(
            iteration: completedIterations, iterations: iterations, loss: loss, similarity: similarity, bestLoss: best.loss ?? .infinity,
            improved: improved, stages: clock.stages)
    }

    /// The whole image [1, 3, R, R] as CLIP sees it in the reference: squeezed to R x R by
    /// bicubic interpolation (no antialiasing), then normalised.
    private static func globalView(of image: Tensor, resolution: Int) -> Tensor {
        CLIPModel.normalize(resize(image, height: resolution, width: resolution, mode: .bicubic))
    }
}

extension CLIPstyler: ResumableMethod {
    /// The U-Net's weights, Adam (with its schedule's position), the patches' generator and the
    /// best loss (the result is the network as training leaves it).
    public func captureState() -> MethodState {
        var state = MethodState()
        state.set("step", completedIterations)
        state.set("generator", generator)
        for (name, tensor) in network.namedParameters { state.set("unet." + name, tensor) }
        state.set("adam", optimizer: optimizer)
        state.set("best.loss", loss: best.loss)
        return state
    }

    public func restoreState(_ state: MethodState) throws {
        let weights = try network.namedParameters.map { try state.floats("unet." + $0.name, count: $0.tensor.count) }
        let (step, restoredGenerator, bestLoss) = (try state.int("step"), try state.generator("generator"), try state.loss("best.loss"))
        try state.restore("adam", into: optimizer)
        for (parameter, values) in zip(network.namedParameters, weights) { parameter.tensor.assign(values) }
        generator = restoredGenerator
        best = BestSoFar(loss: bestLoss, value: bestLoss.map { _ in () })
        finished = nil
        completedIterations = step
    }
}
