import Foundation
import Models

/// A one-line download progress bar on stderr, redrawn at most ten times a second.
final class DownloadProgress: DownloadProgressReporter, @unchecked Sendable {
    private let label: String
    private var lastDraw = 0.0
    private var drew = false

    init(label: String) { self.label = label }

    func update(_ written: Int64, _ total: Int64?) {
        let now = Date().timeIntervalSince1970
        guard now - lastDraw > 0.1 || written == total else { return }
        lastDraw = now
        drew = true
        let megabytes = Double(written) / 1_048_576
        if let total, total > 0 {
            let fraction = Double(written) / Double(total)
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            printToStandardError(
                String(format: "\rdownloading %@ [%@] %.0f%% %.1f MB", label, bar, fraction * 100, megabytes), newline: false)
        } else {
            printToStandardError(String(format: "\rdownloading %@ %.1f MB", label, megabytes), newline: false)
        }
    }

    func finish() {
        if drew { printToStandardError("") }
    }
}
