import Foundation

/// A run the command refuses before it starts, with the reason and what to change (a scene file
/// too large to read, a run too large for this machine): printed as one `error:` line.
struct RefusedRun: Error, LocalizedError {
    let message: String
    var errorDescription: String? { message }
}
