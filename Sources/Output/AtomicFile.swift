import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that a reader, or a failed run, never sees half of one: the bytes go to a
/// temporary file in the destination's directory, which is renamed over the destination only
/// once complete. On failure the temporary file is removed and an existing destination is left
/// as it was.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try write([(path, data)])
    }

    /// Writes several files as one step as far as a file system allows: every temporary file is
    /// written first, and only when all succeeded are they renamed into place. A missing
    /// directory or a full disk therefore leaves none of the outputs behind.
    public static func write(_ files: [(path: String, data: Data)]) throws {
        var staged: [(temporary: String, path: String)] = []
        do {
            for file in files {
                let temporary = temporaryPath(for: file.path)
                try writeNew(file.data, to: temporary, reportedAs: file.path)
                staged.append((temporary, file.path))
            }
            for file in staged {
                guard rename(file.temporary, file.path) == 0 else {
                    throw OutputError(.cannotWrite, "cannot write: \(describeErrno(for: file.path))", file: file.path)
                }
            }
        } catch {
            for file in staged {
                unlink(file.temporary)
            }
            throw error
        }
    }

    /// `dir/.name.tmp-XXXX` beside the destination, so the final rename stays on one file system.
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let name = ".\(url.lastPathComponent).tmp-\(token)"
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? name : directory + "/" + name
    }

    private static func writeNew(_ data: Data, to temporary: String, reportedAs path: String) throws {
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw OutputError(.cannotWrite, "cannot write: \(describeErrno(for: path))", file: path)
        }
        var failure = writeAll(data, to: descriptor)
        if failure == nil, fsync(descriptor) != 0, errno != EINVAL {
            failure = String(cString: strerror(errno))
        }
        if close(descriptor) != 0, failure == nil {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            unlink(temporary)
            throw OutputError(.cannotWrite, "cannot write: \(failure)", file: path)
        }
    }

    /// The current `errno` as a message. "No such file or directory" from a file being created
    /// means its directory is missing, or is one (like /proc) where files cannot be created.
    private static func describeErrno(for path: String) -> String {
        let code = errno
        let reason = String(cString: strerror(code))
        guard code == ENOENT else { return reason }
        let directory = (path as NSString).deletingLastPathComponent
        let shown = directory.isEmpty ? "." : directory
        if FileManager.default.fileExists(atPath: shown) {
            return "files cannot be created in \"\(shown)\""
        }
        return "the directory \"\(shown)\" does not exist"
    }
}

/// Writes all of `data`, retrying short and interrupted writes; returns the failure reason.
/// (At file scope because inside `AtomicFile` the name `write` means the type's own method.)
private func writeAll(_ data: Data, to descriptor: Int32) -> String? {
    data.withUnsafeBytes { buffer -> String? in
        var written = 0
        while written < buffer.count {
            let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            written += result
        }
        return nil
    }
}
