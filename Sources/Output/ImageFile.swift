import Foundation

/// Loading photos and saving images, by content rather than by file name.
public enum ImageFile {
    /// Reads a PNG or JPEG, recognised by its signature bytes (a JPEG named `.png` still loads).
    /// Every failure is an `OutputError` naming the file.
    public static func load(_ path: String) throws -> Image {
        let data = try InputFile.read(path)
        do {
            return try decode(data)
        } catch let error as OutputError {
            throw error.inFile(path)
        }
    }

    public static func decode(_ data: Data) throws -> Image {
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.isEmpty {
            throw OutputError(.unknownFormat, "the file is empty")
        }
        if data.starts(with: pngSignature) {
            return try PNGCodec.decode(data)
        }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try JPEGCodec.decode(data)
        }
        throw OutputError(.unknownFormat, "not a PNG or JPEG image")
    }

    /// The bytes of `image` in the format `path`'s extension names: `.png` (8-bit, keeping alpha),
    /// `.jpg`/`.jpeg` (quality 95, alpha composited onto white).
    public static func encode(_ image: Image, for path: String) throws -> Data {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": return try PNGCodec.encode(image)
        case "jpg", "jpeg": return try JPEGCodec.encode(image)
        default:
            throw OutputError(.unknownFormat, "cannot tell the image format from the extension; use .png, .jpg or .jpeg", file: path)
        }
    }

    /// Writes `image` to every path in the format its extension names, atomically: all files
    /// or none (see `AtomicFile`).
    public static func save(_ image: Image, to paths: [String]) throws {
        try AtomicFile.write(try paths.map { ($0, try encode(image, for: $0)) })
    }

    /// Writes `image` as an 8-bit PNG, atomically (see `AtomicFile`).
    public static func savePNG(_ image: Image, to path: String) throws {
        try AtomicFile.write(try PNGCodec.encode(image), to: path)
    }
}
