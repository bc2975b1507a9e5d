import Foundation
import Scene

/// Reading a scene from disk, in either format, with errors that name the file.
public enum SceneFile {
    public struct Loaded: Sendable {
        public var scene: Scene
        /// SVG content that was skipped or approximated (empty for JSON).
        public var warnings: [String]
    }

    /// Reads and validates a JSON or SVG scene. Throws `OutputError` if the file cannot be read
    /// and `SceneError` (naming the file) if its content is not a valid scene.
    public static func load(_ path: String) throws -> Loaded {
        let data = try InputFile.read(path)
        do {
            return try decode(data)
        } catch let error as SceneError {
            throw error.inFile(path)
        }
    }

    /// Decodes scene data. The format is recognised from the content (JSON starts with `{`, SVG
    /// with `<`), not from a file extension, so a mislabelled file still gets a precise error.
    public static func decode(_ data: Data) throws -> Loaded {
        let blank: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF]  // whitespace and a UTF-8 BOM
        switch data.first(where: { !blank.contains($0) }) {
        case nil:
            throw SceneError(.unknownFormat, "the file is empty")
        case UInt8(ascii: "{"):
            return Loaded(scene: try SceneJSON.decode(data), warnings: [])
        case UInt8(ascii: "<"):
            let result = try SVGReader.read(data)
            return Loaded(scene: result.scene, warnings: result.warnings)
        default:
            throw SceneError(
                .unknownFormat, "not a scene file: expected JSON (starting with \"{\") or SVG (starting with \"<\")")
        }
    }
}
