import ArgumentParser
import Foundation
import Methods
import Models
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
        if let size = common.size { configuration.size = size }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        try reportingErrors {
            Interrupt.install()
            let configuration = try paintConfiguration()
            let session = MethodSession(options: common)
            let start = try initial.map { try ImageFile.load($0).compositedOnWhite().tensor }
            let modelName = common.modelOptions.model ?? configuration.model
            let advice = "use fewer --views or --patches, or a smaller --size"
            if let architecture = MemoryBudget.architecture(named: modelName) {
                try MemoryBudget.check(configuration.memoryEstimate(architecture: architecture), advice: advice)
            }
            let model = try common.modelOptions.load(defaultModel: configuration.model, note: session.display.note)
            try MemoryBudget.check(configuration.memoryEstimate(architecture: model.architecture), advice: advice)
            try Interrupt.stopIfRequested(during: "loading the model")
            if start == nil {
                session.display.note("choosing the start: the best of \(plural(configuration.initCandidates, "smooth random field")) by CLIP score…")
            }
            let painting = try CLIPAG(prompt: prompt, configuration: configuration, model: model, seed: common.seed, start: start)
            try Interrupt.stopIfRequested(during: "choosing the start image")
            if !modelName.lowercased().contains("clipag") {
                session.display.warning(
                    "\(modelName) is not the robust CLIPAG checkpoint; ordinary CLIP weights tend to paint adversarial texture (try --param pyramid --tv 0.1, or --model CLIPAG_ViTB32.pt)")
            }
            session.warnTruncated(painting.truncatedPrompts)
            try session.run(
                painting, name: "paint", model: modelName,
                checkState: { painting in try FiniteOutput.check(painting.currentImage, "the painting") },
                snapshot: { painting, base in try .image(painting.currentImage, base: base) },
                writeResult: { painting in
                    try FiniteOutput.check(painting.bestImage, "the painting")
                    return try result.write(painting.bestImage, to: common.output)
                })
        }
    }
}

extension CLIPAG.Configuration.Parameterization: ExpressibleByArgument {}
