import ArgumentParser
import Foundation
import Guidance
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Ctrl-C (SIGINT) or SIGTERM (what Slurm and Kubernetes send) during a run: the first one asks
/// the run to stop after the current step (a long step gives up at its next CLIP chunk) and
/// write its best result; a second one, if the user cannot wait, ends the process at once.
/// Installed before the model loads, so no stage of a run ignores it.
enum Interrupt {
    /// The signal that asked to stop (0: none).
    private static let signalNumber = Atomic<Int32>(0)

    static var wasRequested: Bool { Interruption.isRequested }

    /// The conventional exit status of a process stopped by the signal: 128 + its number
    /// (130 for Ctrl-C, 143 for SIGTERM).
    static var exitCode: ExitCode { ExitCode(128 + signalNumber.load(ordering: .relaxed)) }

    static func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { received in
                Interrupt.signalNumber.store(received, ordering: .relaxed)
                Interruption.request()
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                // write(2) is async-signal-safe; the message says at once that it was heard.
                let message: StaticString = "\nstopping after this step… (again to quit at once)\n"
                _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
            }
        }
    }

    /// For tests of stopping and resuming at an exact step: `CLIPCANVAS_TEST_SIGNAL_AFTER_STEP=K:TERM`
    /// (or `K:INT`, `K:KILL`) makes the run send itself that signal right after step K, through
    /// the same handler a scheduler's signal reaches (KILL: no handler, the process dies).
    static func sendTestSignal(afterStep step: Int) {
        guard let request = testSignal, request.step == step else { return }
        raise(request.signal)
    }

    private static let testSignal: (step: Int, signal: Int32)? = {
        guard let text = ProcessInfo.processInfo.environment["CLIPCANVAS_TEST_SIGNAL_AFTER_STEP"] else { return nil }
        let parts = text.split(separator: ":")
        let signals = ["TERM": SIGTERM, "INT": SIGINT, "KILL": SIGKILL]
        guard parts.count == 2, let step = Int(parts[0]), let signal = signals[String(parts[1])] else { return nil }
        return (step, signal)
    }()

    /// Between the stages before the first step (loading, encoding, saliency): nothing worth
    /// writing exists yet, so an interrupted run ends here with the signal's exit status.
    static func stopIfRequested(during stage: String) throws {
        guard wasRequested else { return }
        printToStandardError("interrupted while \(stage); nothing was written")
        throw exitCode
    }
}
