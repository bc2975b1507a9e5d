#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// Ctrl-C during a run: the first one asks the run to stop after the current step and write its
/// best result; a second one, if the user cannot wait, ends the process at once.
enum Interrupt {
    private static let requested = Atomic<Bool>(false)

    static var wasRequested: Bool { requested.load(ordering: .relaxed) }

    static func install() {
        signal(SIGINT) { _ in
            Interrupt.requested.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
    }
}
