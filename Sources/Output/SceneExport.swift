import Foundation
import Scene

/// Writing a scene to files whose format follows the extension: `.svg` (our own SVG text),
/// `.png` and `.pdf` (through Cairo) and `.json` (the scene format).
public enum SceneExport {
    public enum Format: String, CaseIterable, Sendable {
        case svg, png, pdf, json

        /// The format named by `path`'s extension (case-insensitive).
        public init(path: String) throws {
            let pathExtension = URL(fileURLWithPath: path).pathExtension.lowercased()
            guard let format = Format(rawValue: pathExtension) else {
                let known = Format.allCases.map { "." + $0.rawValue }.joined(separator: ", ")
                throw OutputError(
                    .unknownFormat,
                    "cannot tell the output format from the extension \"\(pathExtension)\"; use one of \(known)",
                    file: path)
            }
            self = format
        }
    }

    /// The output size in pixels (SVG `width`/`height`, PNG pixels, PDF points) whose longer
    /// side is `longerSide`, keeping the canvas's aspect ratio; the canvas size if `nil`.
    public static func outputSize(of scene: Scene, longerSide: Int?) -> (width: Int, height: Int) {
        guard let longerSide else { return (scene.width, scene.height) }
        let scale = Double(longerSide) / Double(max(scene.width, scene.height))
        return (
            max(1, Int((Double(scene.width) * scale).rounded())), max(1, Int((Double(scene.height) * scale).rounded()))
        )
    }

    /// The bytes of `scene` in `format`, at `longerSide` pixels (ignored for JSON, which keeps
    /// canvas units). SVG keeps the canvas as its `viewBox` and sets only `width`/`height`, so
    /// coordinates and stroke widths in the file stay exactly the scene's.
    public static func encode(_ scene: Scene, as format: Format, longerSide: Int? = nil) throws -> Data {
        let size = outputSize(of: scene, longerSide: longerSide)
        switch format {
        case .svg: return Data(SVGWriter.svg(scene, width: size.width, height: size.height).utf8)
        case .png: return try CairoRenderer.png(scene, width: size.width, height: size.height)
        case .pdf: return try CairoRenderer.pdf(scene, width: size.width, height: size.height)
        case .json: return SceneJSON.encode(scene)
        }
    }

    /// Encodes `scene` for every path, then writes all files atomically (see `AtomicFile`):
    /// if any format or path is bad, no output is created or replaced.
    public static func write(_ scene: Scene, to paths: [String], longerSide: Int? = nil) throws {
        var files: [(path: String, data: Data)] = []
        for path in paths {
            do {
                files.append((path, try encode(scene, as: try Format(path: path), longerSide: longerSide)))
            } catch let error as OutputError where error.file == nil {
                throw error.inFile(path)
            }
        }
        try AtomicFile.write(files)
    }
}
