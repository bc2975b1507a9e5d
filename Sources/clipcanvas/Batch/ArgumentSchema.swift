import ArgumentParser
import Foundation

/// A command's arguments as ArgumentParser itself describes them (its `--experimental-dump-help`
/// output): which long names are flags, which take a value, which may repeat, and the names of
/// the positional values. A batch job's `args` are checked against it and become the command
/// line a user would type, so the command's own parser and validation judge every job.
struct ArgumentSchema {
    enum Kind: String, Decodable {
        case positional, option, flag
    }

    struct Argument {
        let kind: Kind
        /// Key in a job's `args`: the long name (`negative-weight`), or a positional's value name.
        let key: String
        let isRepeating: Bool
    }

    /// Positional values in the order the command takes them.
    let positionals: [Argument]
    /// Options and flags by long name.
    let named: [String: Argument]

    init(of command: ParsableCommand.Type) {
        // Asking for the dump is a parse that ends with the dump as its "error".
        let text: String
        do {
            _ = try command.parseAsRoot(["--experimental-dump-help"])
            preconditionFailure("\(command) printed no argument description")
        } catch {
            text = command.fullMessage(for: error)
        }
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(text.utf8)) else {
            preconditionFailure("ArgumentParser's description of \(command) is not the expected JSON")
        }
        var positionals: [Argument] = []
        var named: [String: Argument] = [:]
        for argument in dump.command.arguments ?? [] {
            switch argument.kind {
            case .positional:
                positionals.append(Argument(kind: .positional, key: argument.valueName ?? "", isRepeating: argument.isRepeating))
            case .option, .flag:
                for name in argument.names ?? [] where name.kind == "long" {
                    named[name.name] = Argument(kind: argument.kind, key: name.name, isRepeating: argument.isRepeating)
                }
            }
        }
        self.positionals = positionals
        self.named = named
    }

    /// The part of ArgumentParser's description read here (its `ToolInfoV0`).
    private struct Dump: Decodable {
        struct Command: Decodable {
            let arguments: [ArgumentInfo]?
        }
        struct ArgumentInfo: Decodable {
            struct Name: Decodable {
                let kind: String
                let name: String
            }
            let kind: Kind
            let names: [Name]?
            let valueName: String?
            let isRepeating: Bool
        }
        let command: Command
    }
}
