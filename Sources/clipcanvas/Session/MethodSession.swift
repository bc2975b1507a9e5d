import Foundation
import Methods
import Models
import Output
import Scene
import Tensor

/// Runs an iterative method the way every method command does: progress on the chosen display,
/// numbered snapshots every N steps, Ctrl-C stopping after the current step, and the result
/// written once at the end (atomically: a failed or interrupted run leaves no half-written file).
struct MethodSession {
    let options: MethodOptions
    let display: ProgressDisplay
    /// `--watch`: its labels are embedded with each model as it loads, as `watchTemplate` says,
    /// with `prompt` (the run's text, if it has one) for the CLIP score.
    let watching: Watching?

    init(options: MethodOptions, watchTemplate: String, prompt: String?) throws {
        self.options = options
        let display = ProgressDisplay(quiet: options.quiet, json: options.json)
        self.display = display
        watching = try options.watching.watch.map {
            Watching(every: $0, labels: try options.watching.labels(), template: watchTemplate, prompt: prompt, note: display.note)
        }
    }

    /// The command's `--model` options as a loader that says what it loads on this display and,
    /// as each model is built, checks `budget` (if any) and whether the user asked to stop, and
    /// embeds the `--watch` labels before the method releases the text tower.
    func loader(_ modelOptions: ModelOptions, budget: MemoryBudget?) -> CLIPLoader {
        var loader = modelOptions.loader
        loader.note = display.note
        loader.inspect = { [watching] name, model in
            try budget?.check(architecture: model.architecture)
            try Interrupt.stopIfRequested(during: "loading the model")
            try watching?.prepare(name, model)
        }
        return loader
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
    /// their paths; `checkState(method)`, where the state is cheap to read, throws when a step
    /// left it non-finite (a finite loss can come from a drawing whose points are infinite);
    /// `frame(method, moment)` is the state an `--animate` frame shows, and what `--watch` reads
    /// with the model named `watchedModel` (default: `model`). `settings` are what a checkpoint
    /// of this run records and a resumed run must match (`CheckpointSettings.make`).
    func run<Method: ResumableMethod>(
        _ method: Method, name: String, model: String, watchedModel: String? = nil, settings: [CheckpointFile.Setting],
        checkState: ((Method) throws -> Void)? = nil,
        snapshot: (Method, String) throws -> Snapshot,
        frame: (Method, AnimationFrame.Moment) -> AnimationFrame,
        writeResult: (Method) throws -> [String]
    ) throws {
        // Frames stream into the animation as they are taken; the file appears after the
        // result is written (also when interrupted), and a failed run leaves none.
        let animation = AnimationRecorder(options: options.animation)
        defer { animation?.discard() }
        try animation?.record(frame(method, .current))
        let watch = watching?.keep(watchedModel ?? model)
        if watching != nil, watch == nil {
            display.warning("--watch has no labels embedded with \(watchedModel ?? model); the run goes on without watching")
        }
        let snapshots = options.snapshots
        var thumbnails: [(label: String, image: Image)] = []
        // A snapshot is a by-product: one that cannot be written (a full disk, a folder made
        // read-only) is reported once and the run goes on to write its real outputs.
        var snapshotsFailed = false
        func takeSnapshot() {
            guard let snapshots, !snapshotsFailed else { return }
            do {
                try FileManager.default.createDirectory(atPath: snapshots.directory, withIntermediateDirectories: true)
            } catch {
                snapshotsFailed = true
                display.warning(
                    "cannot create the snapshot folder \(snapshots.directory) (\(Self.describe(error))); the run goes on without snapshots")
                return
            }
            let digits = max(4, String(method.iterations).count)
            let number =
                String(repeating: "0", count: max(0, digits - String(method.completedIterations).count))
                + String(method.completedIterations)
            do {
                let taken = try snapshot(method, (snapshots.directory as NSString).appendingPathComponent("step-\(number)"))
                thumbnails.append(("step \(method.completedIterations)", taken.thumbnail))
                display.snapshot(iteration: method.completedIterations, files: taken.files)
            } catch {
                snapshotsFailed = true
                display.warning(
                    "cannot write snapshots into \(snapshots.directory) (\(Self.describe(error))); no more snapshots, the run goes on")
            }
        }

        display.start(method: name, model: model, iterations: method.iterations, seed: options.seed)
        var bestLoss: Float?
        let checkpoints = Checkpointing(options.checkpoints, outputs: options.output, settings: settings)
        // A checkpoint holds the method's state and the session's own: the contact sheet's
        // thumbnails so far, and whether snapshots had failed.
        @discardableResult
        func writeCheckpoint() -> Bool {
            guard let checkpoints else { return false }
            let started = Date()
            var state = method.captureState()
            state.merge(
                SessionProgress(snapshotsFailed: snapshotsFailed, bestLoss: bestLoss, thumbnails: thumbnails).state, prefix: "session.")
            do {
                let bytes = try checkpoints.write(state, step: method.completedIterations)
                display.checkpoint(
                    step: method.completedIterations, file: checkpoints.path, bytes: bytes, seconds: Date().timeIntervalSince(started))
                return true
            } catch {
                display.warning("cannot write the checkpoint \(checkpoints.path) (\(Self.describe(error))); the run goes on")
                return false
            }
        }
        if let checkpoints, checkpoints.resume {
            if let saved = try checkpoints.load() {
                do {
                    try method.restoreState(saved.state)
                    let progress = try SessionProgress(saved.state.substate(prefix: "session."))
                    (snapshotsFailed, bestLoss, thumbnails) = (progress.snapshotsFailed, progress.bestLoss, progress.thumbnails)
                } catch let error as MethodError {
                    throw RefusedRun(
                        message: "cannot resume from \(checkpoints.path): \(error.description); delete it to start from step 0")
                }
                display.resumed(step: method.completedIterations, file: checkpoints.path)
            } else {
                display.resumed(step: 0, file: nil)
            }
        }
        // A resumed run took its first snapshot before it was stopped.
        if method.completedIterations == 0 { takeSnapshot() }
        var stopped = "completed"
        while !method.isFinished {
            if Interrupt.wasRequested {
                // Before the first step there is no result worth a file.
                if method.completedIterations == 0 { try Interrupt.stopIfRequested(during: "taking the first step") }
                stopped = "interrupted"
                display.note("interrupted after \(plural(method.completedIterations, "step")); writing the best result so far")
                if let checkpoints, checkpoints.every != nil, writeCheckpoint() {
                    display.note(
                        "checkpoint of step \(method.completedIterations) written to \(checkpoints.path); --resume continues from it")
                }
                break
            }
            let report = method.step()
            if report.interrupted { continue }
            guard report.loss.isFinite else {
                throw NonFiniteStep(iteration: report.iteration, what: "a non-finite loss (\(report.loss))")
            }
            do {
                try checkState?(method)
            } catch {
                throw NonFiniteStep(iteration: report.iteration, what: "non-finite parameters")
            }
            bestLoss = report.bestLoss
            display.step(report)
            if let watch, let every = watching?.every, report.iteration % every == 0 {
                display.watch(iteration: report.iteration, reading: try Watching.read(frame(method, .current), with: watch))
            }
            if report.converged { stopped = "converged" }
            if let snapshots, report.iteration % snapshots.every == 0 || method.isFinished {
                takeSnapshot()
            }
            if let animation, animation.isDue(afterStep: report.iteration), !method.isFinished {
                try animation.record(frame(method, .current))
            }
            if let every = checkpoints?.every, report.iteration % every == 0, !method.isFinished {
                writeCheckpoint()
            }
            Interrupt.sendTestSignal(afterStep: report.iteration)
        }
        var outputs = try writeResult(method)
        let finalReading = try watch.map { try Watching.read(frame(method, .result), with: $0) }
        if let contactSheet = options.contactSheet, !thumbnails.isEmpty {
            do {
                try ImageFile.savePNG(ContactSheet.compose(thumbnails.map(\.image), labels: thumbnails.map(\.label)), to: contactSheet)
                outputs.append(contactSheet)
            } catch {
                display.warning("cannot write the contact sheet \(contactSheet): \(Self.describe(error))")
            }
        }
        if let animation {
            try animation.record(frame(method, .result))
            outputs.append(try animation.finish())
        }
        // The outputs are whole: a completed run's checkpoint has served (an interrupted one's waits).
        if stopped != "interrupted" { checkpoints?.remove() }
        display.finish(stopped: stopped, steps: method.completedIterations, bestLoss: bestLoss, outputs: outputs, watch: finalReading)
        if stopped == "interrupted" { throw Interrupt.exitCode }
    }

    static func describe(_ error: Error) -> String {
        (error as? LocalizedError)?.errorDescription ?? String(describing: error)
    }

    /// A step's loss was NaN or infinite: the parameters are lost, so the run stops rather than
    /// write a picture of NaNs.
    struct NonFiniteStep: Error, LocalizedError {
        let iteration: Int
        let what: String
        var errorDescription: String? {
            "step \(iteration) produced \(what); stopping without writing. A learning rate or loss weight may be too large"
        }
    }
}
