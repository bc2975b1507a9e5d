import Foundation

/// Why a scene could not be read or is not valid. The message names the file (once known) and
/// the offending element, so the user can open the file and fix it.
public struct SceneError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// Not well-formed JSON, or JSON that does not follow the scene format.
        case malformedJSON
        /// Not well-formed XML, or SVG content we cannot convert.
        case malformedSVG
        /// Well-formed, but a value is out of range (see `Scene.validate()`).
        case invalidScene
        /// Empty, or neither JSON nor SVG.
        case unknownFormat
    }

    public var kind: Kind
    /// The file the scene came from; `nil` while parsing in-memory data.
    public var file: String?
    /// What is wrong, e.g. "paths[2]: an open path needs 1 + 3n points (4, 7, 10, ...), found 5".
    public var detail: String

    public init(_ kind: Kind, _ detail: String, file: String? = nil) {
        self.kind = kind
        self.detail = detail
        self.file = file
    }

    public var description: String { file.map { "\($0): \(detail)" } ?? detail }
    public var errorDescription: String? { description }

    /// The same error, attributed to `file`.
    public func inFile(_ file: String) -> SceneError {
        var copy = self
        copy.file = file
        return copy
    }
}
