import ArgumentParser
import Foundation

@main
struct ClipCanvasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clipcanvas",
        abstract: "CLIP-guided drawing, sketching, stylising and painting on the CPU.",
        version: version,
        subcommands: [
            Draw.self, Sketch.self, Style.self, Paint.self, Batch.self, Render.self, ModelsCommand.self, Score.self, Embed.self,
            Tokenize.self, Bench.self,
        ])

    /// This build's version (`clipcanvas --version`, and each batch job's record).
    static let version = "0.1.0"

    /// Parses and runs a command. Commands throw; this is the one place a failure becomes one
    /// line, `error: <message>`, on stderr and a non-zero exit. ArgumentParser's own outcomes
    /// (help, usage and validation errors, explicit exit codes) are printed as it prints them.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error where exitCode(for: error).rawValue == ExitCode.failure.rawValue && !(error is ExitCode) {
            printToStandardError("error: \(message(for: error))")
            exit(withError: ExitCode.failure)
        } catch {
            exit(withError: error)
        }
    }
}

func printToStandardError(_ line: String, newline: Bool = true) {
    FileHandle.standardError.write(Data((newline ? line + "\n" : line).utf8))
}
