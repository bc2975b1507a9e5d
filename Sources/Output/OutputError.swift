import Foundation

/// Why an image or output file could not be read, decoded, rendered or written. The message
/// names the file, so one line on the terminal tells the user what to fix.
public struct OutputError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// Missing, a directory, or not readable.
        case unreadable
        /// Empty, not a PNG or JPEG, or an output extension we cannot write.
        case unknownFormat
        /// A PNG or JPEG that the decoder rejects: truncated, bad checksums, corrupt data.
        case corruptImage
        /// A well-formed PNG or JPEG with more pixels than the decoding budget.
        case tooLarge
        /// The output directory is missing or not writable, or the disk is full.
        case cannotWrite
        /// An output size Cairo cannot allocate or that is out of range.
        case invalidSize
        /// Cairo reported an error while drawing or writing.
        case rendering
    }

    public var kind: Kind
    /// The file concerned; `nil` for in-memory data.
    public var file: String?
    public var detail: String

    public init(_ kind: Kind, _ detail: String, file: String? = nil) {
        self.kind = kind
        self.detail = detail
        self.file = file
    }

    public var description: String { file.map { "\($0): \(detail)" } ?? detail }
    public var errorDescription: String? { description }

    /// The same error, attributed to `file`.
    public func inFile(_ file: String) -> OutputError {
        var copy = self
        copy.file = file
        return copy
    }
}
