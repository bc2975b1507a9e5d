import Foundation
import Methods
import Output
import Scene
import Tensor

/// Runs an iterative method the way every method command does: progress on the chosen display,
/// numbered snapshots every N steps, Ctrl-C stopping after the current step, and the result
/// written once at the end (atomically: a failed or interrupted run leaves no half-written file).
struct MethodSession {
    let options: MethodOptions
    let display: ProgressDisplay

    init(options: MethodOptions) {
        self.options = options
        display = ProgressDisplay(quiet: options.quiet, json: options.json)
    }

    /// Says which prompts CLIP's context cut short (methods report them; users should know).
    func warnTruncated(_ prompts: [String]) {
        for prompt in prompts {
            display.warning("prompt \"\(prompt.prefix(40))…\" is longer than CLIP's context; it was truncated")
        }
    }

    /// What a snapshot wrote, and a small picture of it for the contact sheet.
    struct Snapshot {
        let files: [String]
        let thumbnail: Image

        /// A vector method's snapshot: `base.svg` and `base.png`, and a 160-pixel thumbnail.
        static func scene(_ scene: Scene, base: String) throws -> Snapshot {
            let files = [base + ".svg", base + ".png"]
            try SceneExport.write(scene, to: files)
            let thumbnail = SceneExport.outputSize(of: scene, longerSide: 160)
            return Snapshot(files: files, thumbnail: try CairoRenderer.render(scene, width: thumbnail.width, height: thumbnail.height))
        }

        /// An image method's snapshot: `base.png`, which is also the thumbnail.
        static func image(_ image: Tensor, base: String) throws -> Snapshot {
            let picture = Image(tensor: image)
            try ImageFile.save(picture, to: [base + ".png"])
            return Snapshot(files: [base + ".png"], thumbnail: picture)
        }
    }

    /// Runs `method` to the end. `snapshot(method, basePath)` writes the current state to files
    /// named `basePath` plus an extension; `writeResult(method)` writes the outputs and returns
    /// their paths; `frame(method, moment)` is the state an `--animate` frame shows.
    func run<Method: IterativeMethod>(
        _ method: Method, name: String, model: String,
        snapshot: (Method, String) throws -> Snapshot,
        frame: (Method, AnimationFrame.Moment) -> AnimationFrame,
        writeResult: (Method) throws -> [String]
    ) throws {
        // Frames stream into the animation as they are taken; the file appears after the
        // result is written (also when interrupted), and a failed run leaves none.
        let animation = AnimationRecorder(options: options.animation)
        defer { animation?.discard() }
        try animation?.record(frame(method, .current))
        let snapshots = options.snapshots
        if let snapshots {
            try FileManager.default.createDirectory(atPath: snapshots.directory, withIntermediateDirectories: true)
        }
        var thumbnails: [Image] = []
        func takeSnapshot() throws {
            guard let snapshots else { return }
            let digits = max(4, String(method.iterations).count)
            let number = String(repeating: "0", count: max(0, digits - String(method.completedIterations).count)) + String(method.completedIterations)
            let taken = try snapshot(method, (snapshots.directory as NSString).appendingPathComponent("step-\(number)"))
            thumbnails.append(taken.thumbnail)
            display.snapshot(iteration: method.completedIterations, files: taken.files)
        }

        Interrupt.install()
        display.start(method: name, model: model, iterations: method.iterations, seed: options.seed)
        try takeSnapshot()
        var bestLoss: Float?
        var stopped = "completed"
        while !method.isFinished {
            if Interrupt.wasRequested {
                stopped = "interrupted"
                display.note("interrupted after step \(method.completedIterations); writing the best result so far")
                break
            }
            let report = method.step()
            bestLoss = report.bestLoss
            display.step(report)
            if report.converged { stopped = "converged" }
            if let snapshots, report.iteration % snapshots.every == 0 || method.isFinished {
                try takeSnapshot()
            }
            if let animation, animation.isDue(afterStep: report.iteration), !method.isFinished {
                try animation.record(frame(method, .current))
            }
        }
        var outputs = try writeResult(method)
        if let contactSheet = options.contactSheet, !thumbnails.isEmpty {
            try ImageFile.savePNG(ContactSheet.compose(thumbnails), to: contactSheet)
            outputs.append(contactSheet)
        }
        if let animation {
            try animation.record(frame(method, .result))
            outputs.append(try animation.finish())
        }
        display.finish(stopped: stopped, steps: method.completedIterations, bestLoss: bestLoss, outputs: outputs)
    }
}
