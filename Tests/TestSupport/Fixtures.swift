import Foundation

/// A test target's committed reference files: its `Fixtures/` resource folder, written by the
/// scripts in `Tools/fixtures/` (`make fixtures`).
public struct Fixtures {
    public let directory: URL

    /// The fixtures of the target whose resource bundle is `bundle` (its `Bundle.module`).
    public init(_ bundle: Bundle) {
        guard let directory = bundle.url(forResource: "Fixtures", withExtension: nil) else {
            preconditionFailure("\(bundle.bundlePath) has no Fixtures folder; list it in the test target's resources")
        }
        self.directory = directory
    }

    public func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    public func path(_ relativePath: String) -> String { url(relativePath).path }

    /// The JSON file at `relativePath`, decoded; `snakeCase` maps the scripts' `snake_case` keys.
    public func decode<T: Decodable>(_ type: T.Type, from relativePath: String, snakeCase: Bool = false) throws -> T {
        let decoder = JSONDecoder()
        if snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        return try decoder.decode(T.self, from: Data(contentsOf: url(relativePath)))
    }
}
