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
            (default 512, a multiple of 8); --output-size sets the size of the written result.
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

    @Option(help: "Working size: the photo's longer side while training, rounded to a multiple of 8 (preset: 512). --output-size sizes the result.")
    var size: Int?

    @Option(help: "What the photo shows before stylising (preset: \"a Photo\").")
    var source: String?

    @Option(help: "torchvision's VGG19 weights (vgg19-dcbb9e9d.pth) for the content loss, or `clip` for CLIP's own features. Default: the torch hub cache, else CLIP.")
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
        if fast && common.preset != nil { throw ValidationError("--fast and --preset exclude each other: --fast is the preset clipstyler-fast") }
        try common.checkOutputs(allowed: ImageResultOptions.formats)
    }

    func styleConfiguration() throws -> CLIPstyler.Configuration {
        var options = common
        if fast { options.preset = "clipstyler-fast" }
        var configuration = try options.configuration(method: "clipstyler", as: CLIPstyler.Configuration.self)
        if let size { configuration.size = size }
        if let source { configuration.source = source }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        let configuration = try styleConfiguration()
        let photo = try ImageFile.load(self.photo).compositedOnWhite().tensor
        let styler = try CLIPstyler(
            photo: photo, style: style, configuration: configuration, loader: common.modelOptions.loader, contentModel: contentModel,
            seed: common.seed)
        let session = MethodSession(options: common)
        let working = styler.workingSize
        if let requested = working.roundedFrom {
            session.display.note("--size \(requested) is not a multiple of 8; stylising at \(working.width)x\(working.height)")
        }
        if case .clipFeatures = styler.contentNetwork, contentModel?.lowercased() != ContentNetwork.clipKeyword {
            session.display.warning(
                "no VGG19 weights (--content-model PATH, or \(ContentNetwork.torchvisionFile) in the torch hub cache); the content loss uses \(styler.contentDescription) instead")
        } else {
            session.display.note("content loss: \(styler.contentDescription)")
        }
        for text in styler.truncatedTexts {
            session.display.warning("\"\(text.prefix(40))…\" is too long for CLIP's context in some templates; those prompts were truncated")
        }
        try session.run(
            styler, name: "style", model: configuration.model,
            snapshot: { styler, base in try .image(styler.currentImage, base: base) },
            frame: { styler, moment in .image(moment == .result ? styler.bestImage : styler.currentImage) },
            writeResult: { styler in try result.write(styler.bestImage, to: common.output) })
    }
}
