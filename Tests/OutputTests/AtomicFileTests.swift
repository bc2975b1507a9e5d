import Foundation
import Output
import TestSupport
import XCTest

final class AtomicFileTests: TemporaryDirectoryTestCase {
    func testWritesAndReplacesWithoutLeavingTemporaryFiles() throws {
        let file = path("out.txt")
        try AtomicFile.write(Data("first".utf8), to: file)
        try AtomicFile.write(Data("second".utf8), to: file)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "second")
        XCTAssertEqual(try directoryContents(), ["out.txt"])
    }

    func testMissingDirectoryIsAnErrorNamingTheFile() {
        let file = path("no-such-directory/out.png")
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: file)) { error in
            let error = error as? OutputError
            XCTAssertEqual(error?.kind, .cannotWrite)
            XCTAssertEqual(error?.file, file)
            XCTAssertTrue(error?.description.contains("does not exist") == true, "\(String(describing: error))")
        }
        XCTAssertEqual(try directoryContents(), [])
    }

    func testUnwritableLocationIsAnError() {
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: "/proc/clipcanvas-test.png")) { error in
            XCTAssertEqual((error as? OutputError)?.kind, .cannotWrite)
            XCTAssertTrue(String(describing: error).hasPrefix("/proc/clipcanvas-test.png: cannot write"))
        }
    }

    func testDestinationThatIsADirectoryIsAnErrorAndLeavesNoTemporaryFile() throws {
        try FileManager.default.createDirectory(atPath: path("taken.png"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path("taken.png")))
        XCTAssertEqual(try directoryContents(), ["taken.png"])
    }

    /// A batch with one bad destination writes nothing, and keeps existing files as they were.
    func testBatchIsAllOrNothing() throws {
        let existing = path("existing.svg")
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        let batch: [(path: String, data: Data)] = [
            (existing, Data("new".utf8)), (path("fresh.png"), Data("png".utf8)),
            (path("missing/out.pdf"), Data("pdf".utf8)),
        ]
        XCTAssertThrowsError(try AtomicFile.write(batch))
        XCTAssertEqual(try String(contentsOfFile: existing, encoding: .utf8), "old")
        XCTAssertEqual(try directoryContents(), ["existing.svg"])
    }
}
