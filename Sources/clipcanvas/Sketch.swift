import ArgumentParser
import Foundation
import Methods
import Models
import Output
import Scene
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

    @Option(help: "Strokes in the sketch, at most \(CLIPasso.Configuration.maximumStrokes) (preset: 16); fewer is more abstract.")
    var strokes: Int?

    @Option(help: "Several abstraction levels in one run, e.g. 4,8,16,32 (they share the photo's features and saliency; at most \(Self.maximumLevels)).")
    var abstractions: String?

    @Option(help: "Independent runs with seeds SEED, SEED+1000, …, at most \(CLIPasso.Configuration.maximumSeeds); the lowest evaluation loss wins (the reference uses 3).")
    var seeds: Int?

    @Flag(help: "Pad a non-square photo onto a white square instead of centre-cropping it.")
    var pad = false

    @Option(help: "A mask of the photo's size: white (opaque) on the object, black or transparent where the background is blanked.")
    var mask: String?

    @Option(name: .customLong("save-saliency"), help: "Write the attention map, the edge map and the start points over the photo to this PNG.")
    var saveSaliency: String?

    @Option(help: "Full stroke width in canvas pixels (preset: 3).")
    var width: Float?

    @Option(help: "Stroke colour (CSS syntax, opaque; preset: black).")
    var color: String?

    @Option(name: .customLong("geometric-model"), help: "The CLIP model whose features are compared: RN101 (preset), RN50, ViT-B/32, or a weights file.")
    var geometricModel: String?

    @Option(name: .customLong("geometric-layers"), help: "Feature maps in the geometric loss, comma-separated: ResNet stages (0 stem, 1-4 layer1-layer4; preset 2,3) or ViT blocks (0-based).")
    var geometricLayers: String?

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
            guard let levels = Self.integers(abstractions), levels.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--abstractions takes stroke counts of at least 1, e.g. 4,8,16,32; got \(abstractions)")
            }
            guard Set(levels).count == levels.count else { throw ValidationError("--abstractions repeats a level: \(abstractions)") }
            guard levels.count <= Self.maximumLevels, levels.allSatisfy({ $0 <= CLIPasso.Configuration.maximumStrokes }) else {
                throw ValidationError(
                    "--abstractions takes at most \(Self.maximumLevels) levels of at most \(CLIPasso.Configuration.maximumStrokes) strokes; got \(abstractions)")
            }
            if strokes != nil { throw ValidationError("--strokes and --abstractions exclude each other") }
        }
        if let geometricLayers, Self.integers(geometricLayers).map({ $0.allSatisfy { $0 >= 0 } }) != true {
            throw ValidationError("--geometric-layers takes 0-based indices, e.g. 2,3; got \(geometricLayers)")
        }
        if fast && common.preset != nil { throw ValidationError("--fast is the preset clipasso-fast; give --fast or --preset, not both") }
        if let saveSaliency, !saveSaliency.lowercased().hasSuffix(".png") { throw ValidationError("--save-saliency writes a .png file") }
        try common.checkOutputs(allowed: SceneExport.Format.allCases.map(\.rawValue))
        try common.checkNotOverwriting([photo, mask])
        for path in [saveSaliency].compactMap({ $0 }) {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else {
                throw ValidationError("cannot write \(path): the folder \(folder) does not exist")
            }
        }
    }

    /// Abstraction levels in one run: each is a whole CLIPasso run (times --seeds).
    static let maximumLevels = 16

    static func integers(_ text: String) -> [Int]? {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
        return values.map { $0! }
    }

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
        if let layers = geometricLayers.flatMap(Self.integers) { configuration.geometricLayers = layers }
        if let semanticWeight { configuration.semanticWeight = semanticWeight }
        try configuration.validate()
        return configuration
    }

    func run() throws {
        try reportingErrors {
            Interrupt.install()
            var configuration = try sketchConfiguration()
            let session = MethodSession(options: common)
            let levels = abstractions.flatMap(Self.integers)
            // Everything about the inputs is checked before any model is loaded.
            let photoImage = try ImageFile.load(photo)
            let maskImage = try mask.map { try ImageFile.load($0) }
            try TargetPreparation.check(
                width: photoImage.width, height: photoImage.height, mask: maskImage.map { (width: $0.width, height: $0.height) })

            // Models by name or file, each loaded once, whichever roles it serves.
            var loaded: [String: CLIPModel] = [:]
            func model(_ name: String) throws -> CLIPModel {
                if let model = loaded[name] { return model }
                let model = try common.modelOptions.load(named: name, note: session.display.note)
                try Interrupt.stopIfRequested(during: "loading \(name)")
                loaded[name] = model
                return model
            }
            let presetSaliency = try Preset.load(fast ? "clipasso-fast" : (common.preset ?? "clipasso"), method: "clipasso", as: CLIPasso.Configuration.self).model
            let roles = try SketchModelRoles(
                saliencyFlag: common.modelOptions.model, geometricFlag: geometricModel, presetSaliency: presetSaliency,
                configuration: configuration, layersGiven: geometricLayers != nil
            ) { file in
                if case .transformer = try model(file).architecture.vision { return true }
                return false
            }
            for note in roles.notes { session.display.note(note) }
            configuration.geometricModel = roles.geometric
            if let layers = roles.geometricLayers { configuration.geometricLayers = layers }
            let runs = (levels?.count ?? 1) * configuration.seeds
            let advice = "use fewer --strokes, --seeds or --abstractions"
            if let architecture = MemoryBudget.architecture(named: roles.geometric) {
                try MemoryBudget.check(configuration.memoryEstimate(geometric: architecture, runs: runs), advice: advice)
            }

            // A named saliency model is loaded, used and freed before the geometric one, so a
            // run holds one model at a time; a weights file of unknown resolution is loaded first.
            var geometric = CLIPArchitecture.known[roles.geometric] == nil ? try model(roles.geometric) : nil
            let size = geometric?.imageResolution ?? CLIPArchitecture.known[roles.geometric]!.imageResolution
            let prepared = try TargetPreparation.prepare(
                photo: photoImage.compositedOnWhite().tensor, mask: maskImage.map(Self.maskValues), size: size,
                pad: configuration.pad, padMargin: configuration.padMargin)
            var saliency: SketchSaliency?
            if configuration.saliencyInit {
                let saliencyModel = try model(roles.saliency)
                session.display.note("finding where \(roles.saliency) looks (attention and edges)…")
                saliency = try SketchSaliency(
                    photo: prepared, model: saliencyModel, modelName: roles.saliency, edgeIntersection: configuration.edgeIntersection)
                if roles.saliency != roles.geometric { loaded[roles.saliency] = nil }
                try Interrupt.stopIfRequested(during: "finding the saliency")
            }
            if geometric == nil { geometric = try model(roles.geometric) }
            try MemoryBudget.check(configuration.memoryEstimate(geometric: geometric!.architecture, runs: runs), advice: advice)
            geometric!.releaseTextTower()
            session.display.note("computing the photo's features…")
            let target = try SketchTarget(photo: prepared, configuration: configuration, geometricModel: geometric!, saliency: saliency)
            let sketches = try CLIPassoRuns(target: target, configuration: configuration, levels: levels, seed: common.seed)
            try Interrupt.stopIfRequested(during: "computing the photo's features")

            let describe = { (name: String) in FileManager.default.fileExists(atPath: name) ? URL(fileURLWithPath: name).lastPathComponent : name }
            try session.run(
                sketches, name: "sketch", model: "\(describe(roles.geometric)) (saliency \(describe(roles.saliency)))",
                checkState: { sketches in try FiniteOutput.check(sketches.currentRun.currentScene, "the sketch") },
                snapshot: { sketches, base in try .scene(sketches.currentRun.currentScene, base: base) },
                writeResult: { sketches in try writeResults(sketches, target: target, levels: levels) })
        }
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
    private func writeResults(_ sketches: CLIPassoRuns, target: SketchTarget, levels: [Int]?) throws -> [String] {
        var written: [String] = []
        let results = sketches.results
        for result in results {
            try FiniteOutput.check(result.scene, "the sketch")
            let paths = levels == nil ? common.output : common.output.map { Self.path($0, adding: "-\(result.strokes)") }
            try SceneExport.write(result.scene, to: paths, longerSide: common.size)
            written += paths
        }
        if levels != nil {
            let row = Self.path(common.output[0], adding: "-abstractions", extension: "png")
            let side = common.size ?? target.image.shape[3]
            let panels = try results.map { try CairoRenderer.render($0.scene, width: side, height: side) }
            try ImageFile.savePNG(ContactSheet.compose(panels, labels: results.map { plural($0.strokes, "stroke") }, columns: panels.count), to: row)
            written.append(row)
        }
        if let saveSaliency {
            try ImageFile.savePNG(SaliencyPicture.compose(target: target, starts: sketches.runs[0].startPixels), to: saveSaliency)
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
