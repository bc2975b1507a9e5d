import ArgumentParser
import Foundation
import Methods
import Output

/// `clipcanvas paint "PROMPT" -o out.png`: CLIPAG, an image painted by pixel optimisation.
struct Paint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paint a prompt by optimising pixels under CLIP (CLIPAG).",
        discussion: """
            Made for the adversarially robust CLIPAG ViT-B/32 weights (--model CLIPAG_ViTB32.pt, \
            https://zenodo.org/records/10446026). Ordinary CLIP weights work too, but their \
            gradients paint adversarial texture: --param pyramid and --tv help there. Defaults: \
            the preset `clipag` (100 steps at 224 pixels, 32 views + 32 patches per step). \
            For this command --size is the working size, the painted square's side (larger \
            images get more patches); --output-size sets the size of the written result.
            Example: clipcanvas paint "a lighthouse at dusk" --model ~/CLIPAG_ViTB32.pt -o lighthouse.png
            """)

    @Argument(help: "What to paint.")
    var prompt: String

    @OptionGroup var common: MethodOptions

    @Option(
        help:
            "Working size: the painted square's side (preset: 224; larger images get proportionally more patches). --output-size sizes the result."
    )
    var size: Int?

    @Option(name: .customLong("init"), help: "Start from this image (PNG or JPEG) instead of the best smooth random field.")
    var initial: String?

    @Option(name: .customLong("param"), help: "Optimise the pixels, or a Laplacian pyramid of them (smoother with ordinary CLIP weights).")
    var parameterization: CLIPAG.Configuration.Parameterization?

    @Option(help: "Weight of a total-variation smoothness term (preset: 0).")
    var tv: Float?

    @Option(help: "Whole-image views per step, at most \(CLIPAG.Configuration.maximumViews).")
    var views: Int?

    @Option(help: "Random patches per step at 224 pixels (scaled with the image area), at most \(CLIPAG.Configuration.maximumViews).")
    var patches: Int?

    @OptionGroup var result: ImageResultOptions

    func validate() throws {
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the prompt is empty; describe what to paint, e.g. \"a red bicycle\"")
        }
        if let size, !CLIPAG.Configuration.sizeRange.contains(size) {
            let range = CLIPAG.Configuration.sizeRange
            throw ValidationError("--size must be between \(range.lowerBound) and \(range.upperBound), got \(size)")
        }
        if let tv, !(tv >= 0) { throw ValidationError("--tv must be zero or positive, got \(tv)") }
        if let views, views < 0 { throw ValidationError("--views cannot be negative, got \(views)") }
        if let patches, patches < 0 { throw ValidationError("--patches cannot be negative, got \(patches)") }
        try common.checkOutputs(allowed: ImageResultOptions.formats)
        try common.checkNotOverwriting([initial])
    }

    func paintConfiguration() throws -> CLIPAG.Configuration {
        var configuration = try common.configuration(method: "clipag", as: CLIPAG.Configuration.self)
        if let parameterization { configuration.parameterization = parameterization.rawValue }
        if let tv { configuration.tvWeight = tv }
        if let views { configuration.globalViews = views }
        if let patches { configuration.patches = patches }
        if let size { configuration.size = size }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        Interrupt.install()
        let configuration = try paintConfiguration()
        let session = try MethodSession(options: common, watchTemplate: Watching.photo, prompt: prompt)
        let start = try initial.map { try ImageFile.load($0).compositedOnWhite().tensor }
        let budget = MemoryBudget(advice: "use fewer --views or --patches, or a smaller --size") {
            configuration.memoryEstimate(architecture: $0)
        }
        try budget.check(modelNamed: configuration.model)
        if start == nil {
            session.display.note(
                "choosing the start: the best of \(plural(configuration.initCandidates, "smooth random field")) by CLIP score…")
        }
        let painting = try CLIPAG(
            prompt: prompt, configuration: configuration, loader: session.loader(common.modelOptions, budget: budget),
            seed: common.seed, start: start)
        try Interrupt.stopIfRequested(during: "choosing the start image")
        if !configuration.model.lowercased().contains("clipag") {
            session.display.warning(
                "\(configuration.model) is not the robust CLIPAG checkpoint; ordinary CLIP weights tend to paint adversarial texture (try --param pyramid --tv 0.1, or --model CLIPAG_ViTB32.pt)"
            )
        }
        session.warnTruncated(painting.truncatedPrompts)
        try session.run(
            painting, name: "paint", model: configuration.model,
            settings: try CheckpointSettings.make(
                command: "paint",
                inputs: [("prompt", prompt)] + (try initial.map { [("init", try CheckpointSettings.fileDigest($0))] } ?? []),
                configuration: configuration, precision: common.modelOptions.precision, seed: common.seed),
            checkState: { painting in try FiniteOutput.check(painting.currentImage, "the painting") },
            snapshot: { painting, base in try .image(painting.currentImage, base: base) },
            frame: { painting, moment in .image(moment == .result ? painting.bestImage : painting.currentImage) },
            writeResult: { painting in
                try FiniteOutput.check(painting.bestImage, "the painting")
                return try result.write(painting.bestImage, to: common.output)
            })
    }
}

extension CLIPAG.Configuration.Parameterization: ExpressibleByArgument {}
