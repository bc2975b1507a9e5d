import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Finds the CLIP weights a `--model NAME|PATH` argument means, downloading known models on
/// first use.
///
/// Search order for a known name: our cache (`$CLIPCANVAS_CACHE`, default
/// `~/.cache/clipcanvas`), then OpenAI's (`$CLIP_CACHE` or `~/.cache/clip`, where OpenAI's
/// `clip.load` keeps the same files), so users who ran the Python reference already have them.
/// Downloads go to our cache through a `.part` file that is renamed only after the SHA-256
/// matches, so an interrupted or corrupt download never looks like a model.
public struct ModelStore {
    public let downloadDirectory: URL
    public let searchDirectories: [URL]
    public let knownModels: [KnownModel]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, knownModels: [KnownModel] = KnownModel.all) {
        let home = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory())
        let ours = environment["CLIPCANVAS_CACHE"].map { URL(fileURLWithPath: $0) } ?? home.appendingPathComponent(".cache/clipcanvas")
        let openAI = environment["CLIP_CACHE"].map { URL(fileURLWithPath: $0) } ?? home.appendingPathComponent(".cache/clip")
        downloadDirectory = ours
        searchDirectories = [ours, openAI]
        self.knownModels = knownModels
    }

    public enum Location {
        /// A file the user named.
        case file(URL)
        /// A known model found in a cache.
        case cached(KnownModel, URL)
        /// A known model that is not on this machine yet.
        case missing(KnownModel)
    }

    /// Where `argument` points, without downloading anything.
    public func locate(_ argument: String) throws -> Location {
        let path = (argument as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return .file(URL(fileURLWithPath: path))
        }
        guard let model = knownModel(argument) else {
            throw ModelStoreError.unknownModel(argument, known: knownModels.map(\.name))
        }
        for directory in searchDirectories {
            let candidate = directory.appendingPathComponent(model.fileName)
            if FileManager.default.fileExists(atPath: candidate.path) { return .cached(model, candidate) }
        }
        return .missing(model)
    }

    /// The weights file for `argument`, downloading a known model when it is missing and
    /// `allowDownload` is set. `progress` receives (bytes so far, total if known).
    public func resolve(_ argument: String, allowDownload: Bool = true, progress: @escaping (Int64, Int64?) -> Void = { _, _ in }) throws
        -> URL
    {
        switch try locate(argument) {
        case .file(let url), .cached(_, let url):
            return url
        case .missing(let model):
            let destination = downloadDirectory.appendingPathComponent(model.fileName)
            guard allowDownload else { throw ModelStoreError.notDownloaded(model, expectedAt: destination) }
            return try download(model, progress: progress)
        }
    }

    /// Downloads `model` into our cache, verifying its SHA-256 before it becomes visible.
    @discardableResult
    public func download(_ model: KnownModel, progress: @escaping (Int64, Int64?) -> Void = { _, _ in }) throws -> URL {
        let destination = downloadDirectory.appendingPathComponent(model.fileName)
        let partial = destination.appendingPathExtension("part")
        do {
            try FileManager.default.createDirectory(at: downloadDirectory, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.downloadFailed(
                model, reason: "cannot create \(downloadDirectory.path): \(error.localizedDescription)", expectedAt: destination)
        }
        try? FileManager.default.removeItem(at: partial)
        do {
            try Download.fetch(model.url, to: partial, progress: progress)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw ModelStoreError.downloadFailed(model, reason: Self.downloadFailureReason(error, url: model.url), expectedAt: destination)
        }
        let digest = try Self.sha256(of: partial)
        guard digest == model.sha256 else {
            try? FileManager.default.removeItem(at: partial)
            throw ModelStoreError.downloadFailed(
                model, reason: "the file received has SHA-256 \(digest), expected \(model.sha256)", expectedAt: destination)
        }
        _ = try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: partial, to: destination)
        return destination
    }

    public func knownModel(_ name: String) -> KnownModel? {
        let lowered = name.lowercased()
        return knownModels.first { $0.name.lowercased() == lowered }
            ?? KnownModel.named(name).flatMap { match in
                knownModels.first { $0.name == match.name }
            }
    }

    /// SHA-256 of a file, read in 4 MiB chunks.
    public static func sha256(of file: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }
}

/// A blocking HTTP(S) download to a file with progress callbacks.
enum Download {
    struct HTTPStatus: Error, CustomStringConvertible {
        let code: Int
        var description: String { "HTTP status \(code)" }
    }

    static func fetch(_ url: URL, to destination: URL, progress: @escaping (Int64, Int64?) -> Void) throws {
        let delegate = Delegate(destination: destination, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.downloadTask(with: url).resume()
        delegate.done.wait()
        if let error = delegate.failure { throw error }
    }

    private final class Delegate: NSObject, URLSessionDownloadDelegate, @unchecked Sendable {
        let destination: URL
        let progress: (Int64, Int64?) -> Void
        let done = DispatchSemaphore(value: 0)
        var failure: Error?

        init(destination: URL, progress: @escaping (Int64, Int64?) -> Void) {
            self.destination = destination
            self.progress = progress
        }

        func urlSession(
            _ session: URLSession, downloadTask: URLSessionDownloadTask, didWriteData bytesWritten: Int64, totalBytesWritten: Int64,
            totalBytesExpectedToWrite: Int64
        ) {
            progress(totalBytesWritten, totalBytesExpectedToWrite > 0 ? totalBytesExpectedToWrite : nil)
        }

        func urlSession(_ session: URLSession, downloadTask: URLSessionDownloadTask, didFinishDownloadingTo location: URL) {
            if let response = downloadTask.response as? HTTPURLResponse, !(200..<300).contains(response.statusCode) {
                failure = HTTPStatus(code: response.statusCode)
                return
            }
            do {
                try FileManager.default.moveItem(at: location, to: destination)
            } catch {
                failure = error
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let error { failure = failure ?? error }
            done.signal()
        }
    }
}
