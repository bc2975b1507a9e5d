import ArgumentParser
import Foundation
import Models

/// `clipcanvas models`: which CLIP checkpoints are known and which are on this machine.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the known CLIP models and where they are on this machine.",
        subcommands: [List.self, Pull.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List known models (default).")

        func run() throws {
            let store = ModelStore()
            print("model            file                 location")
            for known in store.knownModels {
                let location: String
                switch try store.locate(known.name) {
                case .cached(_, let url): location = url.path
                case .missing: location = "not downloaded (clipcanvas models pull \(known.name))"
                case .file(let url): location = url.path
                }
                print(
                    known.name.padding(toLength: 17, withPad: " ", startingAt: 0)
                        + known.fileName.padding(toLength: 21, withPad: " ", startingAt: 0) + location)
            }
            print("\nsearched: " + store.searchDirectories.map(\.path).joined(separator: ", "))
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a known model (SHA-256 verified) into the cache.")

        @Argument(help: "Model name, e.g. ViT-B/32.")
        var name: String

        func run() throws {
            let store = ModelStore()
            guard let model = store.knownModel(name) else {
                throw ModelStoreError.unknownModel(name, known: store.knownModels.map(\.name))
            }
            if case .cached(_, let url) = try store.locate(model.name) {
                print("\(model.name) is already at \(url.path)")
                return
            }
            let progress = DownloadProgress(label: model.name)
            let url = try store.download(model) { written, total in progress.update(written, total) }
            progress.finish()
            print("\(model.name) -> \(url.path) (SHA-256 verified)")
        }
    }
}
