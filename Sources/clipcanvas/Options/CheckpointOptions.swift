import ArgumentParser
import Foundation

/// `--checkpoint-every N` and `--resume`: a run that can be stopped (a preempted cluster job, a
/// closed laptop) and continued to the very result an uninterrupted run gives. The checkpoint is
/// `OUTPUT.checkpoint` beside the first `-o` output; it is written atomically every N steps and
/// when a signal stops the run, and removed when the run completes.
struct CheckpointOptions: ParsableArguments {
    @Option(
        name: .customLong("checkpoint-every"),
        help: ArgumentHelp(
            "Write a checkpoint (OUTPUT.checkpoint, beside the first -o) every N steps and when stopped by a signal.", valueName: "N"))
    var checkpointEvery: Int?

    @Flag(help: "Continue from OUTPUT.checkpoint if there is one (else start from step 0); the result equals an uninterrupted run's.")
    var resume = false

    func validate() throws {
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)")
        }
    }

    /// Whether the run reads or writes a checkpoint at all.
    var isActive: Bool { checkpointEvery != nil || resume }

    /// Where the run's checkpoint lives: beside its first output, so a job's folder holds it.
    static func path(forFirstOutput output: String) -> String { output + ".checkpoint" }
}
