import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The claim one process holds on a job while it runs it, so that two shards (or a rerun that
/// overlaps a still-running task) never run the same job at once: an exclusive `flock` on the
/// job's lock file. The kernel drops it when the process ends however it ends (SIGKILL, a node
/// reboot), so a killed run leaves no stale claim, unlike a lock file created with O_EXCL.
final class JobLock {
    private let descriptor: Int32

    /// The lock, or nil when another process holds it.
    init?(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BatchFailure("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            if reason == EWOULDBLOCK { return nil }
            throw BatchFailure("cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Whether some process holds the lock now (for `batch status`); false when there is no file.
    static func isHeld(path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        return (try? JobLock(path: path)) == nil
    }
}
