import ArgumentParser
import Foundation
import Methods
import Models
import Output
import Scene

/// `clipcanvas draw "PROMPT" -o out.svg`: CLIPDraw, a prompt to an editable vector drawing.
struct Draw: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a prompt as an editable vector drawing (CLIPDraw).",
        discussion: """
            Starts from random strokes and moves their points, widths and colours until CLIP \
            sees the prompt in the drawing. Defaults: the preset `clipdraw` (256 strokes, 1000 \
            steps, ViT-B/32); every flag below overrides one of its fields. The drawing with the \
            lowest loss is written; Ctrl-C stops early and writes it too.
            With --style IMAGE it is StyleCLIPDraw: a style loss on VGG16 features pulls the \
            drawing towards the image's look, and the default preset becomes `styleclipdraw` \
            (500 steps, 10 copies, the last 10% on the style alone). It needs torchvision's \
            \(VGG16Features.torchvisionFile) (--style-model PATH, or in the torch hub cache).
            Example: clipcanvas draw "a watercolor painting of a lighthouse" -o lighthouse.svg -o lighthouse.png --size 1024
            """)

    @Argument(help: "What to draw.")
    var prompt: String

    @OptionGroup var common: MethodOptions

    @OptionGroup var result: SceneResultOptions

    @Option(
        help:
            "Number of random strokes, at most \(CLIPDraw.Configuration.maximumPaths) (with --init: strokes added to the drawing's own; default 0 then)."
    )
    var paths: Int?

    @Option(help: "Cubic segments per stroke: N or MIN-MAX (preset: 1-3).", transform: Draw.segmentRange)
    var segments: ClosedRange<Int>?

    @Option(help: "Augmented copies of the drawing per step, at most \(CLIPDraw.Configuration.maximumAugmentations).")
    var augmentations: Int?

    @Option(help: "Canvas side in pixels (with --init: the longer side the drawing is rendered at).")
    var canvas: Int?

    @Option(help: "A prompt to move away from; repeat for several.")
    var negative: [String] = []

    @Option(help: "Weight of each --negative prompt in the loss.")
    var negativeWeight: Float = 0.3

    @Option(help: "Largest full stroke width, in canvas units.")
    var maxWidth: Float?

    @Option(help: "Smallest full stroke width, in canvas units.")
    var minWidth: Float?

    @Flag(help: "Optimise stroke opacity (--opacity, the preset's default) or keep strokes opaque (--no-alpha).")
    var alpha: AlphaMode?

    @Option(help: "Draw only in these colours (CSS syntax, e.g. \"#e63946\"); repeat or separate with commas.")
    var palette: [String] = []

    @Option(help: "Canvas colour (CSS syntax), e.g. white or \"#f1faee\".")
    var background: String?

    @Flag(help: "Feed CLIP unnormalised pixels, as the CLIPDraw paper did.")
    var noNormalize = false

    @Option(name: .customLong("init"), help: "Start from this drawing (SVG or JSON scene): its paths are kept and optimised.")
    var initial: String?

    @Option(help: "Draw in the style of this image (StyleCLIPDraw; default preset styleclipdraw).")
    var style: String?

    @Option(help: "Factor of the style loss against CLIP's (needs --style; preset: 2).")
    var styleWeight: Float?

    @Option(help: "torchvision's VGG16 weights file for --style (default: \(VGG16Features.torchvisionFile) in the torch hub cache).")
    var styleModel: String?

    enum AlphaMode: String, EnumerableFlag {
        case opacity, noAlpha
    }

    static func helpMessage(for value: AlphaMode) -> ArgumentHelp? { nil }

    func validate() throws {
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the prompt is empty; describe what to draw, e.g. \"a red bicycle\"")
        }
        if let paths, paths < 1 { throw ValidationError("--paths must be at least 1, got \(paths)") }
        if let maxWidth, !(maxWidth > 0) { throw ValidationError("--max-width must be positive, got \(maxWidth)") }
        if let minWidth, !(minWidth > 0) { throw ValidationError("--min-width must be positive, got \(minWidth)") }
        if let augmentations, augmentations < 1 { throw ValidationError("--augmentations must be at least 1, got \(augmentations)") }
        if let styleWeight, !(styleWeight >= 0 && styleWeight.isFinite) {
            throw ValidationError("--style-weight must be a non-negative number, got \(styleWeight)")
        }
        if style == nil, styleWeight != nil || styleModel != nil {
            throw ValidationError("--style-weight and --style-model need --style IMAGE")
        }
        try common.checkOutputs(allowed: SceneResultOptions.formats)
        try common.checkNotOverwriting([initial, style])
    }

    /// `--segments N` or `MIN-MAX`, parsed once into a range.
    static func segmentRange(_ text: String) throws -> ClosedRange<Int> {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(bounds.count), let low = bounds[0], let high = bounds[bounds.count - 1], low >= 1, high >= low else {
            throw ValidationError("--segments takes N or MIN-MAX with 1 <= MIN <= MAX, got \(text)")
        }
        return low...high
    }

    /// The preset with this command's flags applied.
    func drawConfiguration() throws -> CLIPDraw.Configuration {
        var configuration = try common.configuration(
            method: "clipdraw", defaultPreset: style == nil ? nil : "styleclipdraw", as: CLIPDraw.Configuration.self)
        if let paths { configuration.paths = paths } else if initial != nil { configuration.paths = 0 }
        if let range = segments {
            configuration.minSegments = range.lowerBound
            configuration.maxSegments = range.upperBound
        }
        if let augmentations { configuration.augmentations = augmentations }
        if let canvas { configuration.canvas = canvas }
        configuration.negatives += negative.map { CLIPDraw.Configuration.WeightedPrompt(text: $0, weight: negativeWeight) }
        if let maxWidth { configuration.maxWidth = maxWidth }
        if let minWidth { configuration.minWidth = minWidth }
        if let alpha { configuration.opacity = alpha == .opacity }
        if !palette.isEmpty {
            configuration.palette = palette.flatMap { entry in
                entry.contains("(") ? [entry] : entry.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        if let background { configuration.background = background }
        if noNormalize { configuration.normalize = false }
        if let styleWeight { configuration.styleWeight = styleWeight }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        Interrupt.install()
        let configuration = try drawConfiguration()
        let session = try MethodSession(options: common, watchTemplate: Watching.drawing, prompt: prompt)
        let start = try initial.map { path -> Scene in
            let loaded = try SceneFile.load(path)
            for warning in loaded.warnings { printToStandardError("warning: \(path): \(warning)") }
            return loaded.scene
        }
        let drawingStyle = try style.map { path in
            let image = try ImageFile.load(path).compositedOnWhite().tensor
            session.display.note("loading VGG16 for the style…")
            return DrawingStyle(image: image, network: try VGG16Features.load(styleModel))
        }
        let budget = MemoryBudget(advice: "use fewer --augmentations or --paths, or a smaller --canvas") {
            configuration.memoryEstimate(architecture: $0, style: drawingStyle != nil)
        }
        try budget.check(modelNamed: configuration.model)
        let drawing = try CLIPDraw(
            prompt: prompt, configuration: configuration, loader: session.loader(common.modelOptions, budget: budget),
            seed: common.seed, start: start, style: drawingStyle)
        try Interrupt.stopIfRequested(during: "encoding the prompt")
        session.warnTruncated(drawing.truncatedPrompts)
        try session.run(
            drawing, name: "draw", model: configuration.model,
            settings: try CheckpointSettings.make(
                command: "draw",
                inputs: [("prompt", prompt)] + (try initial.map { [("init", try CheckpointSettings.fileDigest($0))] } ?? [])
                    + (try style.map { [("style", try CheckpointSettings.fileDigest($0))] } ?? []),
                configuration: configuration, precision: common.modelOptions.precision, seed: common.seed),
            checkState: { drawing in try FiniteOutput.check(drawing.currentScene) },
            snapshot: { drawing, base in try .scene(drawing.currentScene, base: base) },
            frame: { drawing, moment in .scene(moment == .result ? drawing.bestScene : drawing.currentScene) },
            writeResult: { drawing in
                try FiniteOutput.check(drawing.bestScene)
                return try result.write(drawing.bestScene, to: common.output)
            })
    }
}
