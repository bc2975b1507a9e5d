import ArgumentParser
import Foundation

@main
struct ClipCanvasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clipcanvas",
        abstract: "CLIP-guided drawing, sketching, stylising and painting on the CPU.",
        subcommands: [Draw.self, Sketch.self, Style.self, Paint.self, Render.self, ModelsCommand.self, Score.self, Embed.self, Tokenize.self, Bench.self])
}

/// Runs a command's work, turning a failure into one line, `error: <message>`, on stderr and a
/// non-zero exit. Usage errors from ArgumentParser pass through, so it can print the usage.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        printToStandardError("error: \(message)")
        throw ExitCode.failure
    }
}

func printToStandardError(_ line: String, newline: Bool = true) {
    FileHandle.standardError.write(Data((newline ? line + "\n" : line).utf8))
}
