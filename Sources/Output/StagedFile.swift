import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written piece by piece over a long run (an animation) that must still appear
/// atomically: the writer fills `temporaryPath` (a hidden file beside the destination, as
/// `AtomicFile` uses), `commit()` flushes it to disk and renames it over `path`, `discard()`
/// removes it. A failed or abandoned run therefore never leaves a half-written `path`.
public final class StagedFile {
    /// Where the file appears once committed.
    public let path: String
    /// Where it is written meanwhile.
    public let temporaryPath: String
    private var settled = false

    public init(for path: String) {
        self.path = path
        temporaryPath = AtomicFile.temporaryPath(for: path)
    }

    /// Flushes the finished temporary file and renames it into place.
    public func commit() throws {
        precondition(!settled, "a staged file is committed or discarded once")
        let descriptor = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw OutputError(.cannotWrite, "cannot write: \(String(cString: strerror(errno)))", file: path)
        }
        let synced = fsync(descriptor) == 0 || errno == EINVAL
        let reason = String(cString: strerror(errno))
        close(descriptor)
        guard synced, rename(temporaryPath, path) == 0 else {
            let failure = synced ? String(cString: strerror(errno)) : reason
            discard()
            throw OutputError(.cannotWrite, "cannot write: \(failure)", file: path)
        }
        settled = true
    }

    /// Removes the temporary file (if any was written); the destination is left as it was.
    public func discard() {
        guard !settled else { return }
        unlink(temporaryPath)
        settled = true
    }

    deinit { discard() }
}
