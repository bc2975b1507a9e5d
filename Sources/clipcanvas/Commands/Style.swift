import ArgumentParser
import Foundation
import Methods
import Output

/// `clipcanvas style PHOTO "STYLE" -o out.png`: CLIPstyler, a photo repainted in a described style.
struct Style: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Repaint a photo in the style a text describes (CLIPstyler).",
        discussion: """
            Trains a small network for this one photo so that, seen by CLIP, the photo moves from \
            the source text ("a Photo") towards the style text, while a content loss keeps its \
            structure. Defaults: the preset `clipstyler` (200 steps at 512 pixels, 64 patches per \
            step); --fast uses `clipstyler-fast` (100 steps, 8 patches).
            For this command --size is the working size: the photo's longer side while training \
            (default 512, a multiple of 8; the patch size follows it). The result has the photo's \
            own size; --output-size sets its longer side instead.
            The content loss uses torchvision's VGG19 weights when given (--content-model PATH) or \
            found in the torch hub cache (vgg19-dcbb9e9d.pth), else early features of the CLIP \
            model itself; the run says which.
            Example: clipcanvas style boat.jpg "oil painting of flowers" -o boat-flowers.jpg
            """)

    @Argument(help: "The photo to stylise (PNG or JPEG).")
    var photo: String

    @Argument(help: "The style, e.g. \"oil painting of flowers\", \"fire\", \"pop art\".")
    var style: String

    @OptionGroup var common: MethodOptions

    @Option(
        help:
            "Working size: the photo's longer side while training, rounded to a multiple of 8 (preset: 512). --output-size sizes the result."
    )
    var size: Int?

    @Option(help: "What the photo shows before stylising (preset: \"a Photo\").")
    var source: String?

    @Option(
        help:
            "torchvision's VGG19 weights (vgg19-dcbb9e9d.pth) for the content loss, or `clip` for CLIP's own features. Default: the torch hub cache, else CLIP."
    )
    var contentModel: String?

    @OptionGroup var result: ImageResultOptions

    @Flag(help: "A cheaper schedule for previews: the preset clipstyler-fast (100 steps, 8 patches).")
    var fast = false

    func validate() throws {
        guard !style.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("the style text is empty; describe the style, e.g. \"oil painting of flowers\"")
        }
        if let source, source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--source is empty; describe what the photo shows, e.g. \"a Photo\"")
        }
        if let size, !CLIPstyler.Configuration.sizeRange.contains(size) {
            let range = CLIPstyler.Configuration.sizeRange
            throw ValidationError("--size must be between \(range.lowerBound) and \(range.upperBound), got \(size)")
        }
        if fast && common.preset != nil {
            throw ValidationError("--fast and --preset exclude each other: --fast is the preset clipstyler-fast")
        }
        try common.checkOutputs(allowed: ImageResultOptions.formats)
        try common.checkNotOverwriting([photo])
    }

    /// The preset as chosen, before `--size` (for the notice when the patch size follows it).
    private func styleConfigurationWithoutSize() throws -> CLIPstyler.Configuration {
        var options = common
        if fast { options.preset = "clipstyler-fast" }
        return try options.configuration(method: "clipstyler", as: CLIPstyler.Configuration.self)
    }

    func styleConfiguration() throws -> CLIPstyler.Configuration {
        var configuration = try styleConfigurationWithoutSize()
        if let size, size != configuration.size {
            // The patches cover the same share of the image at any working size, as paint's
            // patch count follows its size.
            configuration.patchSize = max(8, Int((Double(configuration.patchSize) * Double(size) / Double(configuration.size)).rounded()))
            configuration.size = size
        }
        if let source { configuration.source = source }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        Interrupt.install()
        var configuration = try styleConfiguration()
        let session = try MethodSession(options: common, watchTemplate: Watching.photo, prompt: style)
        let photo = try ImageFile.load(self.photo).compositedOnWhite().tensor
        let photoSize = (width: photo.shape[2], height: photo.shape[1])
        let working = WorkingSize(photoHeight: photoSize.height, photoWidth: photoSize.width, longerSide: configuration.size)
        let shorterSide = min(working.width, working.height)
        if configuration.patches > 0 && configuration.patchSize > shorterSide {
            configuration.patchSize = shorterSide
        }
        let preset = try styleConfigurationWithoutSize()
        if configuration.patches > 0 && configuration.patchSize != preset.patchSize {
            session.display.note(
                "patches of \(configuration.patchSize) pixels follow the \(working.width)x\(working.height) working image (the preset's \(preset.patchSize) at \(preset.size))"
            )
        }
        let budget = MemoryBudget(advice: "use a smaller --size, or --fast") { [configuration] in
            configuration.memoryEstimate(architecture: $0)
        }
        try budget.check(modelNamed: configuration.model)
        session.display.note("encoding the source and style texts in 79 templates each, and the photo's content features…")
        let styler = try CLIPstyler(
            photo: photo, style: style, configuration: configuration, loader: session.loader(common.modelOptions, budget: budget),
            contentModel: contentModel, seed: common.seed)
        try Interrupt.stopIfRequested(during: "encoding the texts")
        if let requested = working.roundedFrom {
            session.display.note("--size \(requested) is not a multiple of 8; stylising at \(working.width)x\(working.height)")
        }
        if case .clipFeatures = styler.contentNetwork, contentModel?.lowercased() != ContentNetwork.clipKeyword {
            session.display.warning(
                "no VGG19 weights (--content-model PATH, or \(ContentNetwork.torchvisionFile) in the torch hub cache); the content loss uses \(styler.contentDescription) instead"
            )
        } else {
            session.display.note("content loss: \(styler.contentDescription)")
        }
        for text in styler.truncatedTexts {
            session.display.warning(
                "\"\(text.prefix(40))…\" is too long for CLIP's context in some templates; those prompts were truncated")
        }
        try session.run(
            styler, name: "style", model: configuration.model,
            settings: try CheckpointSettings.make(
                command: "style",
                inputs: [
                    ("photo", try CheckpointSettings.fileDigest(self.photo)), ("style", style), ("content", styler.contentDescription),
                ],
                configuration: configuration, precision: common.modelOptions.precision, seed: common.seed),
            snapshot: { styler, base in try .image(styler.currentImage, base: base) },
            frame: { styler, moment in .image(moment == .result ? styler.bestImage : styler.currentImage) },
            writeResult: { styler in
                try FiniteOutput.check(styler.bestImage, "the stylised photo")
                // The working size is an internal choice: the result has the photo's size
                // unless --output-size says otherwise.
                return try result.write(styler.bestImage, to: common.output, defaultSize: photoSize)
            })
    }
}
