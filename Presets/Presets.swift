import Foundation

/// The preset files in this folder, shipped with the binary as resources: one JSON file per
/// method and abstraction level, holding that recipe's defaults. `Methods` reads them by name.
public enum BuiltInPresets {
    /// The file of the preset `name` (its file name without `.json`), if there is one.
    public static func url(named name: String) -> URL? {
        Bundle.module.url(forResource: name, withExtension: "json")
    }

    /// Every preset name, sorted.
    public static var names: [String] {
        let files = Bundle.module.resourceURL.flatMap { try? FileManager.default.contentsOfDirectory(atPath: $0.path) } ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }
}
