import Foundation
import Methods
import Models
import Output

/// A run's checkpoint file (`--checkpoint-every`, `--resume`): where it is, what settings it
/// must have been made with, and reading, writing (atomically: a run killed while writing leaves
/// the previous checkpoint whole) and removing it.
struct Checkpointing {
    let path: String
    /// Steps between checkpoints; nil: only `--resume` (read one, write none).
    let every: Int?
    let resume: Bool
    /// What decides the run's steps, by name: a checkpoint made with other values is refused.
    let settings: [CheckpointFile.Setting]

    /// nil unless `--checkpoint-every` or `--resume` was given.
    init?(_ options: CheckpointOptions, outputs: [String], settings: [CheckpointFile.Setting]) {
        guard options.isActive, let first = outputs.first else { return nil }
        path = CheckpointOptions.path(forFirstOutput: first)
        every = options.checkpointEvery
        resume = options.resume
        self.settings = settings
    }

    /// The checkpoint to continue from: nil when `--resume` was not given or there is none yet.
    /// A damaged checkpoint, or one from other settings, is an error naming what is wrong.
    func load() throws -> CheckpointFile? {
        guard resume, FileManager.default.fileExists(atPath: path) else { return nil }
        let advice = "delete it, or run without --resume, to start from step 0"
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RefusedRun(message: "cannot resume from \(path): \((error as NSError).localizedDescription)")
        }
        let checkpoint: CheckpointFile
        do {
            checkpoint = try CheckpointFile(decoding: data)
        } catch let error as MethodError {
            throw RefusedRun(message: "cannot resume from \(path): \(error.description); \(advice)")
        }
        if let difference = checkpoint.difference(from: settings) {
            throw RefusedRun(message: "cannot resume from \(path): it is from a run with other settings: \(difference); \(advice)")
        }
        return checkpoint
    }

    /// Writes the checkpoint of `step`; returns its size in bytes.
    func write(_ state: MethodState, step: Int) throws -> Int {
        let data = try CheckpointFile(settings: settings, step: step, state: state).encoded()
        try AtomicFile.write(data, to: path)
        return data.count
    }

    /// The run completed: the checkpoint has served, and so has any temporary file a run killed
    /// while writing one left beside it (`AtomicFile`'s `.NAME.tmp-XXXX`).
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
    }
}

/// What the session itself keeps between steps and a checkpoint carries beside the method's
/// state: whether snapshots had failed, the best loss shown so far, and the contact sheet's
/// thumbnails (the snapshot files themselves are already on disk).
struct SessionProgress {
    var snapshotsFailed: Bool
    var bestLoss: Float?
    var thumbnails: [(label: String, image: Image)]

    init(snapshotsFailed: Bool, bestLoss: Float?, thumbnails: [(label: String, image: Image)]) {
        self.snapshotsFailed = snapshotsFailed
        self.bestLoss = bestLoss
        self.thumbnails = thumbnails
    }

    var state: MethodState {
        var state = MethodState()
        state.set("snapshots-failed", snapshotsFailed)
        state.set("best-loss", floats: bestLoss.map { [$0] } ?? [])
        state.set("thumbnails", thumbnails.count)
        for (index, thumbnail) in thumbnails.enumerated() {
            state.set("thumbnail\(index).label", words: thumbnail.label.utf8.map { UInt64($0) })
            state.set(
                "thumbnail\(index).size",
                words: [thumbnail.image.width, thumbnail.image.height, thumbnail.image.channels].map { UInt64($0) })
            state.set("thumbnail\(index).pixels", floats: thumbnail.image.pixels)
        }
        return state
    }

    init(_ state: MethodState) throws {
        snapshotsFailed = try state.bool("snapshots-failed")
        bestLoss = try state.floats("best-loss").first
        thumbnails = try (0..<state.int("thumbnails")).map { index in
            let size = try state.words("thumbnail\(index).size", count: 3).map { Int(clamping: $0) }
            guard size.allSatisfy({ (1...4096).contains($0) }), size[2] <= 4 else { throw MethodError("a thumbnail's size is invalid") }
            let pixels = try state.floats("thumbnail\(index).pixels", count: size[0] * size[1] * size[2])
            let label = String(decoding: try state.words("thumbnail\(index).label").map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
            return (label, Image(width: size[0], height: size[1], channels: size[2], pixels: pixels))
        }
    }
}

/// The settings every method command's checkpoint is checked against: the command, its inputs,
/// the seed, the CLIP arithmetic (`--precision`) and every field of the method's configuration
/// (preset and flags applied).
enum CheckpointSettings {
    static func make<Configuration: Encodable>(
        command: String, inputs: [(name: String, value: String)], configuration: Configuration, precision: CLIPPrecision,
        seed: UInt64
    ) throws -> [CheckpointFile.Setting] {
        var settings = [CheckpointFile.Setting(name: "command", value: command)]
        settings += inputs.map { CheckpointFile.Setting(name: $0.name, value: $0.value) }
        settings.append(CheckpointFile.Setting(name: "seed", value: String(seed)))
        settings.append(CheckpointFile.Setting(name: "precision", value: precision.rawValue))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(configuration)) as? [String: Any] ?? [:]
        for key in object.keys.sorted() {
            let value = object[key]!
            let text =
                (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]))
                .map { String(decoding: $0, as: UTF8.self) } ?? String(describing: value)
            settings.append(CheckpointFile.Setting(name: key, value: text))
        }
        return settings
    }

    /// An input file by its contents (SHA-256), so a changed photo is noticed under the same name.
    static func fileDigest(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var hash = SHA256()
        data.withUnsafeBytes { hash.update($0) }
        return "sha256:" + hash.finalize()
    }
}
