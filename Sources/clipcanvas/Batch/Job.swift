import ArgumentParser
import Foundation

/// One line of a jobs file, checked: a unique, path-safe id, a method command, and its `args`
/// turned into that command's arguments (`"iterations": 50` is `--iterations=50`, `true` a flag
/// given, a list a repeated flag, the positional values by their names: `prompt`, `photo`,
/// `style`). Outputs are file names, placed in the job's own folder of the batch: no job writes
/// outside it.
struct Job {
    /// 1-based line in the jobs file, and 0-based position among the jobs (what shards divide).
    let line: Int
    let index: Int
    let id: String
    let command: JobCommand
    let args: [String: JSONValue]
    /// The output files' names in the job's folder.
    let outputs: [String]
    private let pieces: [Piece]

    /// A command-line argument, or one that names a file in the job's folder.
    private enum Piece {
        case text(String)
        case file(prefix: String, name: String)
    }

    /// The command's arguments, with its outputs in `folder` and `common` (the batch's flags for
    /// every job) added before the positional values.
    func arguments(in folder: String, adding common: [String] = []) -> [String] {
        Self.arguments(pieces, in: folder, adding: common)
    }

    private static func arguments(_ pieces: [Piece], in folder: String, adding common: [String]) -> [String] {
        let options = pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .file(let prefix, let name): return prefix + (folder as NSString).appendingPathComponent(name)
            }
        }
        let terminator = options.firstIndex(of: "--") ?? options.endIndex
        return Array(options[..<terminator]) + common + options[terminator...]
    }

    /// The flags the batch gives this job: `--json` (its events go to the job's folder), and
    /// checkpoints every `checkpointEvery` steps with `--resume`, so that a job stopped by a
    /// signal or killed continues from its last checkpoint when the batch runs again. Not for
    /// a job that records an animation, which cannot be resumed (it starts again from step 0).
    func batchArguments(checkpointEvery: Int) -> [String] {
        args["animate"] == nil ? ["--json", "--checkpoint-every=\(checkpointEvery)", "--resume"] : ["--json"]
    }

    /// Files the batch itself keeps in a job's folder; no output may take their names.
    static let reservedNames: Set<String> = [JobFolder.resultName, JobFolder.errorName, JobFolder.eventsName, JobFolder.lockName]
    /// Flags the batch sets for every job: `--json` into the job's events file, and
    /// checkpoints (`clipcanvas batch --checkpoint-every`).
    static let batchFlags: Set<String> = ["json", "quiet", "help", "resume", "checkpoint-every"]
    /// Flags that name files the run writes: given as file names, put in the job's folder.
    static let outputFlags: Set<String> = ["output", "animate", "contact-sheet", "save-saliency", "save-every"]
    /// Values that are files to read, which must exist before the batch starts; and values that
    /// are a name or a file (a value with a `/` in it is a file, and must exist).
    static let inputFlags: Set<String> = ["photo", "init", "mask", "watch-labels"]
    static let nameOrFileFlags: Set<String> = ["model", "geometric-model", "content-model", "preset"]

    /// `id` names a folder: letters, digits, `.`, `_` and `-`, not starting with a dot or dash.
    static func isPathSafe(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.count <= 128 else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return CharacterSet.alphanumerics.contains(first) && first.isASCII && id.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    /// The line's job, checked as far as it can be without running it: the JSON, the id, the
    /// command, every argument against the command's flags, its own validation and recipe (the
    /// preset with the flags applied), and that its input files exist.
    init(text: String, line: Int, index: Int) throws {
        let fields: [String: JSONValue]
        do {
            fields = try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
        } catch {
            throw JobError("not a JSON object: \(Self.describe(error))")
        }
        if let unknown = fields.keys.sorted().first(where: { !["id", "command", "args"].contains($0) }) {
            throw JobError("unknown field \"\(unknown)\"; a job has \"id\", \"command\" and \"args\"")
        }
        guard case .string(let id) = fields["id"] else { throw JobError("needs an \"id\" string, e.g. \"id\": \"cat-1\"") }
        guard Self.isPathSafe(id) else {
            throw JobError(
                "id \"\(id)\" cannot name a folder: use at most 128 letters, digits, '.', '_' and '-', starting with a letter or digit")
        }
        let names = JobCommand.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let name) = fields["command"] else { throw JobError("job \(id) needs a \"command\": one of \(names)") }
        guard let command = JobCommand(rawValue: name) else { throw JobError("job \(id): unknown command \"\(name)\"; one of \(names)") }
        let args: [String: JSONValue]
        switch fields["args"] {
        case .object(let object): args = object
        case nil: args = [:]
        default: throw JobError("job \(id): \"args\" must be an object of flag names and values, e.g. {\"iterations\": 50}")
        }
        (self.line, self.index, self.id, self.command, self.args) = (line, index, id, command, args)
        do {
            (pieces, outputs) = try Self.commandLine(id: id, command: command, args: args)
            try Self.check(command: command, arguments: pieces, adding: batchArguments(checkpointEvery: 1))
        } catch let error as JobError {
            throw JobError("job \(id) (\(command.rawValue)): \(error.message)")
        }
    }

    /// `args` as the command's arguments: options and flags first (`--name=value`, so that a
    /// value starting with a dash stays a value), then `--` and the positional values.
    private static func commandLine(id: String, command: JobCommand, args: [String: JSONValue]) throws -> (
        pieces: [Piece], outputs: [String]
    ) {
        let schema = command.schema
        var pieces: [Piece] = []
        var outputs: [String] = []
        var positionalValues: [String: String] = [:]
        for (given, value) in args.sorted(by: { $0.key < $1.key }) {
            let key = given.replacingOccurrences(of: "_", with: "-")
            guard !batchFlags.contains(key) else { throw JobError("\"\(given)\" is set by the batch for every job") }
            if let positional = schema.positionals.first(where: { $0.key == key }) {
                guard let text = value.commandLineText else { throw JobError("\"\(given)\" takes one value") }
                positionalValues[positional.key] = text
                continue
            }
            guard let argument = schema.named[key] else {
                throw JobError("\(command.rawValue) has no flag --\(key) (see `clipcanvas \(command.rawValue) --help`)")
            }
            if argument.kind == .flag {
                guard case .bool(let on) = value else { throw JobError("\"\(given)\" is a flag: true or false") }
                if on { pieces.append(.text("--\(key)")) }
                continue
            }
            if key == "save-every" {
                // `--save-every N DIR`: N, or [N, "folder"], with the folder in the job's.
                let parts: [JSONValue]
                if case .array(let values) = value { parts = values } else { parts = [value, .string("snapshots")] }
                guard parts.count == 2, let every = parts[0].commandLineText, let folder = parts[1].commandLineText else {
                    throw JobError("\"save-every\" takes N or [N, \"folder\"]")
                }
                try checkOutputName(folder, flag: key)
                pieces += [.text("--save-every"), .text(every), .file(prefix: "", name: folder)]
                continue
            }
            let values: [JSONValue]
            if case .array(let list) = value {
                guard argument.isRepeating else { throw JobError("\"\(given)\" takes one value, not a list") }
                values = list
            } else {
                values = [value]
            }
            for value in values {
                guard let text = value.commandLineText else { throw JobError("\"\(given)\" takes strings, numbers or booleans") }
                if outputFlags.contains(key) {
                    try checkOutputName(text, flag: key)
                    pieces.append(.file(prefix: "--\(key)=", name: text))
                    if key == "output" { outputs.append(text) }
                } else {
                    try checkInput(text, flag: key)
                    pieces.append(.text("--\(key)=\(text)"))
                }
            }
        }
        if args["output"] == nil {
            outputs = command.defaultOutputExtensions.map { "\(id).\($0)" }
            pieces += outputs.map { .file(prefix: "--output=", name: $0) }
        }
        pieces.append(.text("--"))
        for positional in schema.positionals {
            guard let text = positionalValues[positional.key] else {
                throw JobError("needs \"\(positional.key)\" (the command's <\(positional.key)>)")
            }
            try checkInput(text, flag: positional.key)
            pieces.append(.text(text))
        }
        return (pieces, outputs)
    }

    /// An output is a plain file name: it lands in the job's folder, and nowhere else.
    private static func checkOutputName(_ name: String, flag: String) throws {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("."), !reservedNames.contains(name) else {
            throw JobError(
                "\"\(flag)\" takes a file name (\"\(name)\" is not one, or is the batch's own): outputs go into the job's folder")
        }
    }

    private static func checkInput(_ value: String, flag: String) throws {
        let isFile = inputFlags.contains(flag) || (nameOrFileFlags.contains(flag) && value.contains("/"))
        if isFile, !FileManager.default.fileExists(atPath: value) {
            throw JobError("\"\(flag)\": no file \(value)")
        }
    }

    /// The command's own parser and validation, with the outputs in a folder that exists (the
    /// job's folder is made only when the job runs), then its recipe: the preset with the flags
    /// applied, checked as the run would check it.
    private static func check(command: JobCommand, arguments pieces: [Piece], adding batchArguments: [String]) throws {
        let arguments = Self.arguments(pieces, in: FileManager.default.temporaryDirectory.path, adding: batchArguments)
        do {
            try command.checkRecipe(try command.type.parseAsRoot(arguments))
        } catch {
            throw JobError(command.type.message(for: error))
        }
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
        if case DecodingError.typeMismatch = error { return "the line is JSON, but not an object" }
        return String(describing: error)
    }
}

/// What is wrong with one job (the jobs file adds the line number).
struct JobError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
