import Foundation
import Guidance
import Methods

#if canImport(Glibc)
    import Glibc
#endif

/// How a run shows its progress: a live line on a terminal, plain lines in a log, JSON events
/// for scripts, or nothing. Warnings always go to stderr (and are JSON events too with --json).
final class ProgressDisplay {
    enum Mode {
        case terminal, log, json, quiet
    }

    let mode: Mode
    private let started = Date()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()
    /// Seconds of the latest steps, for the rate and the time left.
    private var recentStepSeconds: [Double] = []
    private var lastStepEnd = Date()
    private var lineIsOpen = false
    /// The live line's latest text, and what `--watch` last saw (kept on the line until the next).
    private var liveLine = ""
    private var sight = ""

    init(quiet: Bool, json: Bool) {
        if json {
            mode = .json
        } else if quiet {
            mode = .quiet
        } else {
            mode = isatty(STDERR_FILENO) == 1 ? .terminal : .log
        }
    }

    var elapsedSeconds: Double { Date().timeIntervalSince(started) }

    func start(method: String, model: String, iterations: Int, seed: UInt64) {
        lastStepEnd = Date()
        switch mode {
        case .json: emit(["event": "start", "method": method, "model": model, "iterations": iterations, "seed": NSNumber(value: seed)])
        case .terminal, .log: printToStandardError("\(method): \(plural(iterations, "step")) with \(model), seed \(seed)")
        case .quiet: break
        }
    }

    func step(_ report: IterationReport) {
        let now = Date()
        recentStepSeconds.append(now.timeIntervalSince(lastStepEnd))
        if recentStepSeconds.count > 20 { recentStepSeconds.removeFirst() }
        lastStepEnd = now
        let perStep = recentStepSeconds.reduce(0, +) / Double(recentStepSeconds.count)
        let remaining = Double(report.iterations - report.iteration) * perStep
        switch mode {
        case .json:
            var event = (try? JSONSerialization.jsonObject(with: encoder.encode(report))) as? [String: Any] ?? [:]
            event["event"] = "step"
            event["elapsed_seconds"] = elapsedSeconds
            emit(event)
        case .terminal:
            liveLine = line(report, perStep: perStep, remaining: remaining)
            printToStandardError("\r" + liveLine + sight + "\u{1B}[K", newline: false)
            lineIsOpen = true
        case .log:
            if report.iteration == 1 || report.iteration % 10 == 0 || report.iteration == report.iterations || report.converged {
                printToStandardError(line(report, perStep: perStep, remaining: remaining))
            }
        case .quiet: break
        }
    }

    /// What CLIP saw after step `iteration` (`--watch`): its best labels and the prompt's score.
    func watch(iteration: Int, reading: LabelWatch.Reading) {
        switch mode {
        case .json:
            var event = Self.fields(reading)
            event["event"] = "watch"
            event["iteration"] = iteration
            emit(event)
        case .terminal:
            sight = "  sees " + Self.describe(reading, labels: 3)
            printToStandardError("\r" + liveLine + sight + "\u{1B}[K", newline: false)
            lineIsOpen = true
        case .log:
            printToStandardError("step \(iteration) sees " + Self.describe(reading, labels: 5))
        case .quiet: break
        }
    }

    /// A reading as JSON fields: `matches` (label, softmax probability, cosine), best first, and
    /// `prompt_cosine` where the run has a prompt.
    private static func fields(_ reading: LabelWatch.Reading) -> [String: Any] {
        var fields: [String: Any] = [
            "matches": reading.matches.map { ["label": $0.label, "probability": $0.probability, "cosine": $0.cosine] as [String: Any] }
        ]
        if let promptCosine = reading.promptCosine { fields["prompt_cosine"] = promptCosine }
        return fields
    }

    /// "cat 41%, dog 12%, hat 5% · prompt 0.281": the first `labels` matches and the prompt's cosine.
    private static func describe(_ reading: LabelWatch.Reading, labels: Int) -> String {
        var text = reading.matches.prefix(labels).map { String(format: "%@ %.0f%%", $0.label, 100 * $0.probability) }
            .joined(separator: ", ")
        if let promptCosine = reading.promptCosine { text += String(format: " · prompt %.3f", promptCosine) }
        return text
    }

    /// `--resume`: the step the run continues from (0 when there was no checkpoint to read).
    func resumed(step: Int, file: String?) {
        let message = file.map { "resuming from step \(step) (\($0))" } ?? "no checkpoint to resume from; starting from step 0"
        switch mode {
        case .json:
            var event: [String: Any] = ["event": "resumed", "step": step, "message": message]
            if let file { event["file"] = file }
            emit(event)
        case .terminal, .log:
            closeLine()
            printToStandardError(message)
        case .quiet: break
        }
    }

    /// A checkpoint was written (`--checkpoint-every`): a JSON event, as it is for scripts.
    func checkpoint(step: Int, file: String, bytes: Int, seconds: Double) {
        if mode == .json { emit(["event": "checkpoint", "step": step, "file": file, "bytes": bytes, "seconds": seconds]) }
    }

    func snapshot(iteration: Int, files: [String]) {
        if mode == .json { emit(["event": "snapshot", "iteration": iteration, "files": files]) }
    }

    func warning(_ message: String) {
        closeLine()
        printToStandardError("warning: \(message)")
        if mode == .json { emit(["event": "warning", "message": message]) }
    }

    func note(_ message: String) {
        closeLine()
        switch mode {
        case .terminal, .log: printToStandardError(message)
        case .json: emit(["event": "note", "message": message])
        case .quiet: break
        }
    }

    /// The end of the run: why it stopped, and what it wrote.
    /// `watch`: what CLIP sees in the result (`--watch`).
    func finish(stopped: String, steps: Int, bestLoss: Float?, outputs: [String], watch: LabelWatch.Reading? = nil) {
        closeLine()
        switch mode {
        case .json:
            var event: [String: Any] = ["event": "done", "stopped": stopped, "steps": steps, "outputs": outputs, "seconds": elapsedSeconds]
            if let bestLoss { event["best_loss"] = bestLoss }
            if let watch { event["watch"] = Self.fields(watch) }
            emit(event)
        case .terminal, .log:
            printToStandardError(
                "\(stopped) after \(plural(steps, "step")) in \(String(format: "%.1f", elapsedSeconds)) s; wrote \(outputs.joined(separator: ", "))"
            )
            if let watch { printToStandardError("CLIP sees in the result: " + Self.describe(watch, labels: 5)) }
        case .quiet: break
        }
    }

    private func line(_ report: IterationReport, perStep: Double, remaining: Double) -> String {
        let total = String(report.iterations)
        let done = String(report.iteration)
        var text = "step " + String(repeating: " ", count: max(0, total.count - done.count)) + done + "/" + total
        if let level = report.level { text += " · level \(level)" }
        if let seed = report.seed, let seedCount = report.seedCount, seedCount > 1 { text += " · seed \(seed)/\(seedCount)" }
        text += String(format: "  loss %.4f", report.loss)
        if let similarity = report.similarity { text += String(format: "  similarity %.4f", similarity) }
        // CLIPasso keeps the sketch with the lowest evaluation loss (no augmentation), another
        // quantity than the step's loss: the label says which.
        text += String(format: "  %@ %.4f", report.bestIsEvaluation ? "best eval" : "best", report.bestLoss)
        text += String(format: "  %.2f it/s  ETA %@", perStep > 0 ? 1 / perStep : 0, Self.duration(remaining))
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }

    private func closeLine() {
        if lineIsOpen {
            printToStandardError("")
            lineIsOpen = false
        }
    }

    private func emit(_ event: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// "1 step", "2 steps".
func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
