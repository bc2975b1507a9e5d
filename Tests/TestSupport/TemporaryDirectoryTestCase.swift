import Foundation
import XCTest

/// Files of the repository that tests read.
public enum TestFiles {
    /// A file under the repository's Samples folder.
    public static func sample(_ relativePath: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Samples").appendingPathComponent(relativePath).path
    }
}

/// A fresh directory per test, removed afterwards.
open class TemporaryDirectoryTestCase: XCTestCase {
    public private(set) var directory = ""

    open override func setUpWithError() throws {
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("clipcanvas-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    public func path(_ name: String) -> String { directory + "/" + name }

    /// Everything in the directory, so tests can assert that no temporary file was left.
    public func directoryContents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}

/// A temporary directory holding the tiny CLIP as a safetensors file (`weightsPath`), for tests
/// that run the binary with `--model`.
open class TinyModelTestCase: TemporaryDirectoryTestCase {
    public private(set) var weightsPath = ""

    open override func setUpWithError() throws {
        try super.setUpWithError()
        weightsPath = path("tiny.safetensors")
        try TinyCLIP.write(to: weightsPath)
    }
}
