import Foundation
import XCTest

enum TestFiles {
    /// A file from Tests/OutputTests/Fixtures (see Tools/fixtures/make_image_fixtures.py).
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
    }

    /// A file under the repository's Samples folder.
    static func sample(_ relativePath: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Samples").appendingPathComponent(relativePath).path
    }
}

/// A fresh directory per test, removed afterwards.
class TemporaryDirectoryTestCase: XCTestCase {
    private(set) var directory = ""

    override func setUpWithError() throws {
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clipcanvas-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Everything in the directory, so tests can assert that no temporary file was left.
    func directoryContents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
