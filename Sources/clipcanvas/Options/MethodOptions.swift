import ArgumentParser
import Foundation
import Methods

/// The flags every method command shares (draw, sketch, style, paint), and what they mean for a
/// run: which recipe, how long, which seed, where the results go and how progress is shown.
struct MethodOptions: ParsableArguments {
    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var animation: AnimationOptions

    @OptionGroup var watching: WatchOptions

    @OptionGroup var checkpoints: CheckpointOptions

    @Option(help: "A built-in preset name or a preset JSON file (a file may set only some fields). Default: the method's own.")
    var preset: String?

    @Option(help: "Optimisation steps, at most \(CountLimits.iterations) (default: the preset's).")
    var iterations: Int?

    @Option(help: "Seed of every random choice: the same arguments and seed give the same files.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "An output file; the format follows the extension. Repeat for several.")
    var output: [String] = []

    @Option(
        name: .customLong("save-every"), parsing: .upToNextOption,
        help: ArgumentHelp("Write numbered snapshots every N steps into DIR.", valueName: "N DIR"))
    var saveEvery: [String] = []

    @Option(name: .customLong("contact-sheet"), help: "With --save-every: also write the snapshots side by side into this PNG.")
    var contactSheet: String?

    @Flag(help: "Print nothing but errors and warnings.")
    var quiet = false

    @Flag(help: "Print progress as JSON events, one per line, on stdout.")
    var json = false

    @Flag(help: "Allow an output to replace an input file (the photo, the --init drawing or image).")
    var force = false

    /// `--save-every N DIR` as a value: a step count of at least 1 and a directory.
    struct Snapshots {
        let every: Int
        let directory: String

        /// The flag's two values, parsed and checked; nil when the flag is not given.
        init?(_ values: [String]) throws {
            guard !values.isEmpty else { return nil }
            guard values.count == 2, let every = Int(values[0]), every >= 1 else {
                throw ValidationError("--save-every takes a step count of at least 1 and a directory, e.g. --save-every 50 snapshots")
            }
            (self.every, directory) = (every, values[1])
        }
    }

    /// `--save-every`, parsed (`validate()` has already refused a malformed one).
    var snapshots: Snapshots? { try? Snapshots(saveEvery) }

    func validate() throws {
        if let iterations, !(1...CountLimits.iterations).contains(iterations) {
            throw ValidationError("--iterations must be between 1 and \(CountLimits.iterations), got \(iterations)")
        }
        let snapshots = try Snapshots(saveEvery)
        if let contactSheet {
            guard snapshots != nil else { throw ValidationError("--contact-sheet needs --save-every N DIR") }
            guard contactSheet.lowercased().hasSuffix(".png") else { throw ValidationError("--contact-sheet writes a .png file") }
        }
        if quiet && json { throw ValidationError("--quiet and --json exclude each other") }
        if checkpoints.resume, let animate = animation.animate {
            // The animation file is written in one go at the end; its earlier frames are not
            // kept anywhere a resumed run could continue from.
            throw ValidationError("--resume cannot continue an animation (--animate \(animate)); resume without --animate")
        }
    }

    /// The preset named by `--preset` (or `defaultPreset`, else the method's own) with `--model`
    /// and `--iterations` applied; the method command applies its own flags after this.
    func configuration<Configuration: MethodConfiguration>(
        method: String, defaultPreset: String? = nil, as type: Configuration.Type
    ) throws -> Configuration {
        var configuration = try Preset.load(preset ?? defaultPreset ?? method, method: method, as: type)
        if let model = modelOptions.model { configuration.model = model }
        if let iterations { configuration.iterations = iterations }
        return configuration
    }

    /// Fails before any work if an output would replace one of `inputs` and `--force` was not
    /// given: a typo in `-o` must not destroy the photo a run was made from.
    func checkNotOverwriting(_ inputs: [String?]) throws {
        guard !force else { return }
        let inputPaths = Set(inputs.compactMap { $0 }.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path })
        for path in output + [contactSheet].compactMap({ $0 })
        where inputPaths.contains(URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path) {
            throw ValidationError("\(path) is also an input of this run; give another output name, or --force to replace it")
        }
    }

    /// Fails before any work if an output cannot be written: an unknown extension (checked by
    /// `formats`), or a folder that does not exist. A long run must not end in a lost result.
    func checkOutputs(allowed formats: [String]) throws {
        guard !output.isEmpty else {
            throw ValidationError(
                "give at least one output file with -o, e.g. -o \(formats.contains("svg") ? "drawing.svg" : "result.png")")
        }
        try animation.check(vector: formats.contains("svg"), outputs: output)
        var paths = output
        if let contactSheet { paths.append(contactSheet) }
        for path in paths {
            let pathExtension = URL(fileURLWithPath: path).pathExtension.lowercased()
            guard formats.contains(pathExtension) || path == contactSheet else {
                throw ValidationError(
                    "cannot write \(path): the format follows the extension, one of \(formats.map { "." + $0 }.joined(separator: ", "))")
            }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("cannot write \(path): the folder \(folder) does not exist")
            }
        }
    }
}
