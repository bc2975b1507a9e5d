import Synchronization

/// A request to stop a run early (Ctrl-C, SIGTERM), visible inside a step: a long step (a
/// CLIPAG or CLIPstyler step passes dozens of views through CLIP) checks it between CLIP chunks
/// and gives up the rest of its work, so the run stops within one chunk, not one step.
///
/// The command line sets it from its signal handler; the library only reads it.
public enum Interruption {
    private static let requested = Atomic<Bool>(false)

    public static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Asks every running step to stop at its next check (async-signal-safe: one atomic store).
    public static func request() { requested.store(true, ordering: .relaxed) }
}
