import ArgumentParser
import Output
import Scene

/// How the vector methods (draw, sketch) write their result: SVG, PNG, PDF or JSON, raster
/// outputs at `--size`. Their working size is the canvas, so `--size` sizes only the files.
struct SceneResultOptions: ParsableArguments {
    @Option(help: "Longer side in pixels of raster outputs (.png; default: the canvas).")
    var size: Int?

    static let formats = SceneExport.Format.allCases.map(\.rawValue)

    func validate() throws {
        if let size, !(1...CairoRenderer.maximumPixelSide).contains(size) {
            throw ValidationError("--size must be between 1 and \(CairoRenderer.maximumPixelSide), got \(size)")
        }
    }

    /// Writes `scene` to every path (format by extension) at `--size`; returns the paths.
    @discardableResult
    func write(_ scene: Scene, to paths: [String]) throws -> [String] {
        try SceneExport.write(scene, to: paths, longerSide: size)
        return paths
    }
}
