import ArgumentParser
import Foundation
import Output

/// `--animate FILE`, `--animate-every N`, `--animate-fps F`: the run itself as an animation,
/// one frame every N steps (the start, then the state after every Nth step, and last the result
/// written with -o), played at F frames per second. Every method writes a GIF; the vector
/// methods (draw, sketch) also an animated SVG.
struct AnimationOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also write the run as an animation: .gif (any method) or .svg (draw, sketch: animated vector paths).", valueName: "FILE"))
    var animate: String?

    @Option(name: .customLong("animate-every"), help: ArgumentHelp("With --animate: one frame every N steps (default 10).", valueName: "N"))
    var everyFlag: Int?

    @Option(name: .customLong("animate-fps"), help: ArgumentHelp("With --animate: frames per second, 0.1–50 (default 10).", valueName: "F"))
    var framesPerSecondFlag: Double?

    var every: Int { everyFlag ?? 10 }
    var framesPerSecond: Double { framesPerSecondFlag ?? 10 }

    /// The animation formats: GIF for every method, SVG where the method's result is a scene.
    enum Format: String {
        case gif, svg
    }

    /// The format of `--animate`, nil without it.
    var format: Format? { animate.flatMap { Format(rawValue: URL(fileURLWithPath: $0).pathExtension.lowercased()) } }

    func validate() throws {
        if animate == nil, everyFlag != nil || framesPerSecondFlag != nil {
            throw ValidationError("--animate-every and --animate-fps need --animate FILE.gif")
        }
        if every < 1 { throw ValidationError("--animate-every must be at least 1, got \(every)") }
        let rates = GIFAnimation.frameRates
        if !rates.contains(framesPerSecond) {
            throw ValidationError("--animate-fps must be between \(rates.lowerBound) and \(rates.upperBound), got \(framesPerSecond)")
        }
    }

    /// Fails before any work if the animation cannot be written: a format the method cannot
    /// animate (`vector`: the method's result is a scene), a file that is also an -o output, or a
    /// missing folder.
    func check(vector: Bool, outputs: [String]) throws {
        guard let animate else { return }
        let standardized = URL(fileURLWithPath: animate).standardizedFileURL.path
        if outputs.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == standardized }) {
            throw ValidationError("\(animate) is also an -o output; give --animate its own file")
        }
        let formats = vector ? ".gif or .svg" : ".gif (an animated .svg needs a vector method: draw or sketch)"
        guard let format, vector || format == .gif else {
            throw ValidationError("cannot animate into \(animate): --animate writes \(formats)")
        }
        let folder = URL(fileURLWithPath: animate).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("cannot write \(animate): the folder \(folder) does not exist")
        }
    }
}
