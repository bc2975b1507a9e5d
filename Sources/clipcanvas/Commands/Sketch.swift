import ArgumentParser
import Foundation
import Methods
import Models
import Output
import Tensor

/// `clipcanvas sketch PHOTO -o out.svg`: CLIPasso, a photo to a sketch of a few black strokes.
struct Sketch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sketch a photo in a few strokes (CLIPasso).",
        discussion: """
            Starts strokes where CLIP ViT-B/32 looks (on the photo's edges) and moves them until \
            the sketch and the photo agree in CLIP RN101's feature maps. Fewer strokes, more \
            abstract. Defaults: the preset `clipasso` (16 strokes, at most 2000 steps with early \
            stopping); `--fast` previews with ViT-B/32 alone. The sketch with the lowest evaluation \
            loss is written; Ctrl-C stops early and writes it too. `--model` names the saliency model.
            Example: clipcanvas sketch horse.png -o horse.svg -o horse.png --strokes 8
            With --abstractions 4,8,16 each output gets the level in its name (horse-4.svg, …) and \
            STEM-abstractions.png shows the levels side by side.
            """)

    @Argument(help: "The photo (PNG or JPEG).")
    var photo: String

    @OptionGroup var common: MethodOptions

    @OptionGroup var result: SceneResultOptions

    @Option(help: "Strokes in the sketch, at most \(CLIPasso.Configuration.maximumStrokes) (preset: 16); fewer is more abstract.")
    var strokes: Int?

    @Option(
        help:
            "Several abstraction levels in one run, e.g. 4,8,16,32 (they share the photo's features and saliency; at most \(Self.maximumLevels)).",
        transform: { try Sketch.integers($0, flag: "--abstractions", example: "4,8,16,32") })
    var abstractions: [Int]?

    @Option(
        help:
            "Independent runs with seeds SEED, SEED+1000, …, at most \(CLIPasso.Configuration.maximumSeeds); the lowest evaluation loss wins (the reference uses 3)."
    )
    var seeds: Int?

    @Flag(help: "Pad a non-square photo onto a white square instead of centre-cropping it.")
    var pad = false

    @Option(help: "A mask of the photo's size: white (opaque) on the object, black or transparent where the background is blanked.")
    var mask: String?

    @Option(
        name: .customLong("save-saliency"), help: "Write the attention map, the edge map and the start points over the photo to this PNG.")
    var saveSaliency: String?

    @Option(help: "Full stroke width in canvas pixels (preset: 3).")
    var width: Float?

    @Option(help: "Stroke colour (CSS syntax, opaque; preset: black).")
    var color: String?

    @Option(
        name: .customLong("geometric-model"),
        help: "The CLIP model whose features are compared: RN101 (preset), RN50, ViT-B/32, or a weights file.")
    var geometricModel: String?

    @Option(
        name: .customLong("geometric-layers"),
        help:
            "Feature maps in the geometric loss, comma-separated: ResNet stages (0 stem, 1-4 layer1-layer4; preset 2,3) or ViT blocks (0-based).",
        transform: { try Sketch.integers($0, flag: "--geometric-layers", example: "2,3") })
    var geometricLayers: [Int]?

    @Option(name: .customLong("semantic-weight"), help: "Weight of 1 - cos between the final embeddings (preset: 0.1).")
    var semanticWeight: Float?

    @Flag(help: "Preview: ViT-B/32 block-token geometric loss and fewer steps (the preset clipasso-fast).")
    var fast = false

    func validate() throws {
        if let strokes, strokes < 1 { throw ValidationError("--strokes must be at least 1, got \(strokes)") }
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
        if let width, !(width > 0 && width.isFinite) { throw ValidationError("--width must be positive, got \(width)") }
        if let semanticWeight, !(semanticWeight >= 0 && semanticWeight.isFinite) {
            throw ValidationError("--semantic-weight must be a non-negative number, got \(semanticWeight)")
        }
        if let abstractions {
            guard abstractions.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--abstractions takes stroke counts of at least 1, e.g. 4,8,16,32; got \(Self.list(abstractions))")
            }
            guard Set(abstractions).count == abstractions.count else {
                throw ValidationError("--abstractions repeats a level: \(Self.list(abstractions))")
            }
            guard abstractions.count <= Self.maximumLevels, abstractions.allSatisfy({ $0 <= CLIPasso.Configuration.maximumStrokes }) else {
                throw ValidationError(
                    "--abstractions takes at most \(Self.maximumLevels) levels of at most \(CLIPasso.Configuration.maximumStrokes) strokes; got \(Self.list(abstractions))"
                )
            }
            if strokes != nil { throw ValidationError("--strokes and --abstractions exclude each other") }
        }
        if let geometricLayers, !geometricLayers.allSatisfy({ $0 >= 0 }) {
            throw ValidationError("--geometric-layers takes 0-based indices, e.g. 2,3; got \(Self.list(geometricLayers))")
        }
        if fast && common.preset != nil { throw ValidationError("--fast is the preset clipasso-fast; give --fast or --preset, not both") }
        if let saveSaliency, !saveSaliency.lowercased().hasSuffix(".png") { throw ValidationError("--save-saliency writes a .png file") }
        try common.checkOutputs(allowed: SceneResultOptions.formats)
        try common.checkNotOverwriting([photo, mask])
        if common.animation.format == .svg, (abstractions?.count ?? 1) > 1 {
            throw ValidationError("an animated SVG follows one drawing's paths; with several --abstractions animate into a .gif")
        }
        for path in [saveSaliency].compactMap({ $0 }) {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else {
                throw ValidationError("cannot write \(path): the folder \(folder) does not exist")
            }
        }
    }

    /// Abstraction levels in one run: each is a whole CLIPasso run (times --seeds).
    static let maximumLevels = 16

    /// A comma-separated list of integers (`flag`'s value), parsed once.
    static func integers(_ text: String, flag: String, example: String) throws -> [Int] {
        let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == text.split(separator: ",").count else {
            throw ValidationError("\(flag) takes comma-separated whole numbers, e.g. \(example); got \(text)")
        }
        return values
    }

    private static func list(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }

    /// The preset with this command's flags applied.
    func sketchConfiguration() throws -> CLIPasso.Configuration {
        var options = common
        if fast { options.preset = "clipasso-fast" }
        var configuration = try options.configuration(method: "clipasso", as: CLIPasso.Configuration.self)
        if let strokes { configuration.strokes = strokes }
        if let seeds { configuration.seeds = seeds }
        if pad { configuration.pad = true }
        if let width { configuration.strokeWidth = width }
        if let color { configuration.color = color }
        if let geometricModel { configuration.geometricModel = geometricModel }
        if let geometricLayers { configuration.geometricLayers = geometricLayers }
        if let semanticWeight { configuration.semanticWeight = semanticWeight }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        Interrupt.install()
        var configuration = try sketchConfiguration()
        let session = try MethodSession(options: common, watchTemplate: Watching.drawing, prompt: nil)
        let photo = try ImageFile.load(self.photo).compositedOnWhite().tensor
        let mask = try mask.map { Self.maskValues(try ImageFile.load($0)) }

        // A given file serves every role it can; telling which loads it, and the run reuses it.
        var loader = session.loader(common.modelOptions, budget: nil)
        func model(_ name: String) throws -> CLIPModel {
            if let model = loader.preloaded[name] { return model }
            let model = try loader.load(name)
            loader.preloaded[name] = model
            return model
        }
        let presetSaliency = try Preset.load(
            fast ? "clipasso-fast" : (common.preset ?? "clipasso"), method: "clipasso", as: CLIPasso.Configuration.self
        ).model
        let roles = try SketchModelRoles(
            saliencyFlag: common.modelOptions.model, geometricFlag: geometricModel, presetSaliency: presetSaliency,
            configuration: configuration, layersGiven: geometricLayers != nil
        ) { file in
            if case .transformer = try model(file).architecture.vision { return true }
            return false
        }
        for note in roles.notes { session.display.note(note) }
        session.watching?.restrict(to: roles.geometric)
        configuration.model = roles.saliency
        configuration.geometricModel = roles.geometric
        if let layers = roles.geometricLayers { configuration.geometricLayers = layers }
        let runs = (abstractions?.count ?? 1) * configuration.seeds
        let budget = MemoryBudget(advice: "use fewer --strokes, --seeds or --abstractions") { [configuration] in
            configuration.memoryEstimate(geometric: $0, runs: runs)
        }
        try budget.check(modelNamed: roles.geometric)
        if let geometric = loader.preloaded[roles.geometric] { try budget.check(architecture: geometric.architecture) }
        // A geometric weights file not read yet is checked as soon as it is built.
        let inspectEveryModel = loader.inspect
        loader.inspect = { [roles] name, model in
            if name == roles.geometric { try budget.check(architecture: model.architecture) }
            try inspectEveryModel(name, model)
        }

        let sketches = try CLIPassoRuns(
            photo: photo, mask: mask, configuration: configuration, levels: abstractions, loader: loader, seed: common.seed,
            note: session.display.note)
        loader.preloaded = [:]  // the runs hold the geometric model; a saliency-only file can go
        try Interrupt.stopIfRequested(during: "computing the photo's features")
        let describe = { (name: String) in
            FileManager.default.fileExists(atPath: name) ? URL(fileURLWithPath: name).lastPathComponent : name
        }
        try session.run(
            sketches, name: "sketch", model: "\(describe(roles.geometric)) (saliency \(describe(roles.saliency)))",
            watchedModel: roles.geometric,
            settings: try CheckpointSettings.make(
                command: "sketch",
                inputs: [("photo", try CheckpointSettings.fileDigest(self.photo)), ("abstractions", Self.list(abstractions ?? []))]
                    + (try self.mask.map { [("mask", try CheckpointSettings.fileDigest($0))] } ?? []),
                configuration: configuration, precision: common.modelOptions.precision, seed: common.seed),
            checkState: { sketches in try FiniteOutput.check(sketches.currentRun.currentScene, "the sketch") },
            snapshot: { sketches, base in try .scene(sketches.currentRun.currentScene, base: base) },
            frame: { sketches, moment in .scene(moment == .result ? sketches.currentRun.bestScene : sketches.currentRun.currentScene) },
            writeResult: { sketches in try writeResults(sketches) })
    }

    /// The mask as [H, W] in [0, 1]: its grey level times its opacity, so white or opaque keeps
    /// the photo and black or transparent blanks it.
    static func maskValues(_ image: Image) -> Tensor {
        let plane = image.width * image.height
        let colours = image.channels >= 3 ? [0, 1, 2] : [0]
        let values = (0..<plane).map { index -> Float in
            let grey = colours.map { image.pixels[$0 * plane + index] }.reduce(0, +) / Float(colours.count)
            return image.hasAlpha ? grey * image.pixels[(image.channels - 1) * plane + index] : grey
        }
        return Tensor(shape: [image.height, image.width], values: values)
    }

    /// Writes each level's best sketch to the outputs (named with the level when there are
    /// several), the side-by-side row, and the saliency picture; returns the paths.
    private func writeResults(_ sketches: CLIPassoRuns) throws -> [String] {
        var written: [String] = []
        let results = sketches.results
        for level in results {
            try FiniteOutput.check(level.scene, "the sketch")
            let paths = abstractions == nil ? common.output : common.output.map { Self.path($0, adding: "-\(level.strokes)") }
            written += try result.write(level.scene, to: paths)
        }
        if abstractions != nil {
            let row = Self.path(common.output[0], adding: "-abstractions", extension: "png")
            let side = result.size ?? sketches.target.image.shape[3]
            let panels = try results.map { try CairoRenderer.render($0.scene, width: side, height: side) }
            try ImageFile.savePNG(
                ContactSheet.compose(panels, labels: results.map { plural($0.strokes, "stroke") }, columns: panels.count), to: row)
            written.append(row)
        }
        if let saveSaliency {
            try ImageFile.savePNG(SaliencyPicture.compose(target: sketches.target, starts: sketches.runs[0].startPixels), to: saveSaliency)
            written.append(saveSaliency)
        }
        return written
    }

    /// `path` with `suffix` before its extension (and the extension replaced, if given).
    static func path(_ path: String, adding suffix: String, extension newExtension: String? = nil) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let name = stem + suffix + "." + (newExtension ?? url.pathExtension)
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
    }
}
