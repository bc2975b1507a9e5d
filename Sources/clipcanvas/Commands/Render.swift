import ArgumentParser
import Foundation
import Output
import Scene

/// `clipcanvas render SCENE -o OUT...`: converts a scene between formats and sizes.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a scene (JSON or SVG) as SVG, PNG, PDF or JSON.",
        discussion: """
            The format of each output follows its extension. Vector outputs stay vectors: an SVG \
            keeps the canvas as its viewBox, so it is crisp at any size. All outputs are written \
            only if every one of them can be; a failed run leaves existing files untouched.
            A scene file may be up to \(Render.maximumFileBytes / 1_000_000) MB and hold up to \(Render.maximumPaths) paths.
            """)

    /// A million paths is far beyond any drawing these methods make (CLIPDraw draws 256).
    /// Reading a scene takes about 23 times its file size in memory (a 37 MB JSON scene of a
    /// million paths peaks at 0.88 GB and renders in 19 s), so 64 MB keeps a render near 1.5 GB.
    static let maximumPaths = 1_000_000
    static let maximumFileBytes = 64_000_000

    @Argument(help: "The scene: a JSON scene file (see docs/scene-format.md) or an SVG drawing.")
    var scene: String

    @Option(name: .shortAndLong, help: "An output file: .svg, .png, .pdf or .json. Repeat for several.")
    var output: [String] = []

    @Option(help: "Size in pixels of the output's longer side (default: the canvas size).")
    var size: Int?

    func validate() throws {
        guard !output.isEmpty else {
            throw ValidationError("give at least one output file with -o, e.g. -o drawing.svg")
        }
        if let size, !(1...CairoRenderer.maximumPixelSide).contains(size) {
            throw ValidationError("--size must be between 1 and \(CairoRenderer.maximumPixelSide), found \(size)")
        }
        for path in output {
            do {
                _ = try SceneExport.Format(path: path)
            } catch {
                throw ValidationError(String(describing: error))
            }
        }
    }

    func run() throws {
        if let bytes = (try? FileManager.default.attributesOfItem(atPath: scene))?[.size] as? Int, bytes > Self.maximumFileBytes {
            throw RefusedRun(
                message:
                    "\(scene) is \(String(format: "%.1f", Double(bytes) / 1e6)) MB; scene files of up to \(Self.maximumFileBytes / 1_000_000) MB are read (about \(Self.maximumPaths) paths)"
            )
        }
        let loaded = try SceneFile.load(scene)
        guard loaded.scene.paths.count <= Self.maximumPaths else {
            throw RefusedRun(message: "\(scene) holds \(loaded.scene.paths.count) paths; at most \(Self.maximumPaths) are rendered")
        }
        for warning in loaded.warnings {
            printToStandardError("warning: \(scene): \(warning)")
        }
        try SceneExport.write(loaded.scene, to: output, longerSide: size)
    }
}
