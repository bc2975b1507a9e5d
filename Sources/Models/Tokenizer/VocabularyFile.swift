import CZlib
import Foundation

/// Why the BPE vocabulary could not be found or read. The message says what to do about it.
public struct VocabularyError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
    public var errorDescription: String? { message }
}

/// CLIP's BPE vocabulary, `bpe_simple_vocab_16e6.txt.gz`: a gzipped text file whose first line is
/// a header and whose next lines are merge rules, `first second`, most frequent first.
enum VocabularyFile {
    static let resourceName = "bpe_simple_vocab_16e6.txt.gz"
    static let environmentVariable = "CLIPCANVAS_BPE_VOCAB"

    /// CLIP keeps 49,152 - 256 - 2 merges so that its vocabulary (256 bytes, 256 word-final
    /// bytes, the merges, start and end) has 49,408 entries; the file holds more, unused.
    static let mergeCount = 49152 - 256 - 2

    /// The merge rules CLIP uses, in rank order, as (first, second) in vocabulary spelling.
    static func merges(at url: URL) throws -> [(first: String, second: String)] {
        let compressed: Data
        do {
            compressed = try Data(contentsOf: url)
        } catch {
            throw VocabularyError("\(url.path): cannot read the BPE vocabulary (\(error.localizedDescription))")
        }
        let bytes = try gunzip(compressed, file: url.path)
        let lines = bytes.split(separator: 0x0A, maxSplits: mergeCount + 1, omittingEmptySubsequences: false)
        guard lines.count > mergeCount else {
            let found = lines.dropFirst().filter { !$0.isEmpty }.count
            throw VocabularyError(
                "\(url.path): the BPE vocabulary has \(found) merge lines; CLIP needs \(mergeCount). "
                    + "The file is truncated or not CLIP's \(resourceName).")
        }
        return try lines[1...mergeCount].enumerated().map { offset, line in
            // Python's `str.split()`: runs of white space separate, none at the ends count.
            let symbols = line.split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
            guard symbols.count == 2 else {
                let text = String(decoding: line, as: UTF8.self)
                throw VocabularyError(
                    "\(url.path): line \(offset + 2) of the BPE vocabulary is \"\(text)\"; expected two symbols "
                        + "separated by a space")
            }
            return (String(decoding: symbols[0], as: UTF8.self), String(decoding: symbols[1], as: UTF8.self))
        }
    }

    /// Where the vocabulary that ships with ClipCanvas is. SwiftPM copies it into a resource
    /// folder next to the built executable; `Bundle.module` would find it too, but stops the
    /// program when that folder is missing (a binary copied elsewhere), so we look ourselves:
    /// next to the executable, next to loaded test bundles, then at `$CLIPCANVAS_BPE_VOCAB`.
    static func bundledURL() throws -> URL {
        var searched = [String]()
        for directory in candidateDirectories() {
            for folder in resourceFolders {
                let candidate = directory.appendingPathComponent(folder).appendingPathComponent(resourceName)
                if FileManager.default.isReadableFile(atPath: candidate.path) { return candidate }
            }
            searched.append(directory.path)
        }
        if let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty {
            if FileManager.default.isReadableFile(atPath: path) { return URL(fileURLWithPath: path) }
            searched.append("\(environmentVariable)=\(path) (no readable file there)")
        } else {
            searched.append("\(environmentVariable) (not set)")
        }
        throw VocabularyError(
            "cannot find CLIP's BPE vocabulary \(resourceName); looked for "
                + "\(resourceFolders.joined(separator: " or ")) in \(searched.joined(separator: ", ")). "
                + "Keep ClipCanvas_Models.resources next to the clipcanvas binary, or set "
                + "\(environmentVariable) to the file (the source tree has it in Sources/Models/Resources/).")
    }

    /// The resource folder SwiftPM makes for the Models target: `.resources` on Linux and Windows,
    /// a `.bundle` (flat, or with Contents/Resources) on Apple platforms.
    private static let resourceFolders = [
        "ClipCanvas_Models.resources", "ClipCanvas_Models.bundle", "ClipCanvas_Models.bundle/Contents/Resources",
    ]

    private static func candidateDirectories() -> [URL] {
        var executables = [URL]()
        if let executable = Bundle.main.executableURL { executables.append(executable) }
        if let invoked = CommandLine.arguments.first, invoked.contains("/") {
            executables.append(URL(fileURLWithPath: invoked))
        }
        var directories = [URL]()
        for executable in executables {
            directories.append(executable.deletingLastPathComponent())
            directories.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
            directories.append(bundle.bundleURL)
        }
        var seen = Set<String>()
        return directories.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// Decompresses a gzip (or zlib) stream.
    static func gunzip(_ compressed: Data, file: String) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 32: a 32 KiB window, and detect the gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw VocabularyError("\(file): zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        compressed.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else {
            let reason = status == Z_BUF_ERROR ? "it ends early" : "it is not valid gzip data (zlib status \(status))"
            throw VocabularyError("\(file): cannot decompress the BPE vocabulary: \(reason)")
        }
        return output
    }
}
