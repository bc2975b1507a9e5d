import Foundation
import Presets

/// A method's recipe, read from a preset: a JSON object whose keys are the configuration's
/// fields in snake_case (`point_learning_rate`), plus free-text `method`, `description` and
/// `notes` keys for people reading the file.
///
/// Built-in presets (`Presets/*.json`) are complete. A user's preset file may set only some
/// fields: it is laid over the method's default preset, so a file holding `{"paths": 64}` is the
/// default recipe with 64 paths. A key the default does not have is an error, so a typo is never
/// silently ignored.
public enum Preset {
    /// The configuration of `nameOrPath` (a built-in name such as `clipdraw`, or a JSON file) for
    /// `method`, whose default preset is the built-in preset named `method`.
    public static func load<Configuration: Decodable>(
        _ nameOrPath: String, method: String, as type: Configuration.Type = Configuration.self
    ) throws -> Configuration {
        let base = try builtIn(method)
        var fields = base.fields
        let chosen: (fields: [String: Any], source: String)
        if let named = BuiltInPresets.url(named: nameOrPath) {
            chosen = (try object(at: named, source: "preset \(nameOrPath)"), "preset \(nameOrPath)")
        } else if looksLikePath(nameOrPath) {
            chosen = (try object(at: URL(fileURLWithPath: nameOrPath), source: nameOrPath), nameOrPath)
        } else {
            let known = BuiltInPresets.names.joined(separator: ", ")
            throw MethodError("unknown preset \"\(nameOrPath)\"; built-in presets are \(known), or give a .json file")
        }
        if let other = chosen.fields["method"] as? String, other != method {
            throw MethodError("\(chosen.source) is a preset for \(other), not \(method)")
        }
        for (key, value) in chosen.fields {
            guard fields[key] != nil else {
                let known = fields.keys.filter { !informationalKeys.contains($0) }.sorted().joined(separator: ", ")
                throw MethodError("\(chosen.source): unknown setting \"\(key)\" for \(method); known settings: \(known)")
            }
            fields[key] = value
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Configuration.self, from: try JSONSerialization.data(withJSONObject: fields))
        } catch let error as DecodingError {
            throw MethodError("\(chosen.source): \(describe(error))")
        }
    }

    /// Keys that document a preset and configure nothing.
    static let informationalKeys: Set<String> = ["method", "description", "notes"]

    private static func builtIn(_ name: String) throws -> (fields: [String: Any], url: URL) {
        guard let url = BuiltInPresets.url(named: name) else {
            throw MethodError("the built-in preset \"\(name)\" is missing from this installation; rebuild clipcanvas")
        }
        return (try object(at: url, source: "preset \(name)"), url)
    }

    private static func looksLikePath(_ text: String) -> Bool {
        text.contains("/") || text.lowercased().hasSuffix(".json") || FileManager.default.fileExists(atPath: text)
    }

    private static func object(at url: URL, source: String) throws -> [String: Any] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw MethodError("cannot read the preset file \(url.path): \((error as NSError).localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw MethodError("\(source) is not a JSON object of settings")
        }
        return fields
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "setting \"\(path(context))\": \(context.debugDescription)"
        case .keyNotFound(let key, _):
            return "missing setting \"\(key.stringValue)\""
        @unknown default:
            return String(describing: error)
        }
    }
}
