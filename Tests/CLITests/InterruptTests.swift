import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C and SIGTERM during a run, as a user or a scheduler sends them: before the first step
/// nothing is written and the exit status is 128 + the signal; during the steps the best result
/// so far is written, and the status is the same.
final class InterruptTests: TinyModelTestCase {

    /// The signal arrives while the model is loading: the run's stderr is a pipe the test has
    /// filled, so the run blocks writing its "loading …" line (after the handler is installed,
    /// before the weights are read) until the signal has been sent. Deterministic, no sleeps.
    func testCtrlCWhileTheModelLoadsEndsWith130AndWritesNothing() throws {
        let output = path("a.svg")
        let process = Process()
        process.executableURL = try ClipCanvasBinary.executable()
        process.arguments = [
            "draw", "a lighthouse", "--model", weightsPath, "--paths", "4", "--canvas", "64", "--iterations", "5", "-o", output,
        ]
        let errors = Pipe()
        let filler = [UInt8](repeating: UInt8(ascii: "#"), count: 4096)
        let writeEnd = errors.fileHandleForWriting.fileDescriptor
        let flags = fcntl(writeEnd, F_GETFL)
        _ = fcntl(writeEnd, F_SETFL, flags | O_NONBLOCK)
        var filled = 0
        while true {
            let written = filler.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            filled += written
        }
        _ = fcntl(writeEnd, F_SETFL, flags)
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Give the run time to reach its first write; it cannot get past it.
        Thread.sleep(forTimeInterval: 1.0)
        XCTAssertTrue(process.isRunning, "the run should be blocked writing its first line")
        kill(process.processIdentifier, SIGINT)
        try? errors.fileHandleForWriting.close()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: data.dropFirst(filled), as: UTF8.self)
        XCTAssertEqual(process.terminationReason, .exit, stderr)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("loading"), stderr)
        XCTAssertTrue(stderr.contains("stopping after this step"), stderr)
        XCTAssertTrue(stderr.contains("interrupted while loading the model; nothing was written"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    /// SIGINT (and SIGTERM) after the first step of a run that would otherwise go on for a long
    /// time: the best result is written, the done event says why, and the status is 128 + signal.
    func testASignalDuringTheStepsWritesTheBestResultAndExitsWithTheSignalsStatus() throws {
        for (signalNumber, name) in [(SIGINT, "int"), (SIGTERM, "term")] {
            let output = path("\(name).png")
            try Data(#"{"size": 64, "patch_size": 32, "global_views": 16, "patches": 64, "init_candidates": 2, "views_per_pass": 4}"#.utf8)
                .write(to: URL(fileURLWithPath: path("chunked.json")))
            let process = Process()
            process.executableURL = try ClipCanvasBinary.executable()
            // paint's steps pass their views through CLIP a few at a time: the signal is checked
            // between those passes too.
            process.arguments = [
                "paint", "a lighthouse", "--model", weightsPath, "--preset", path("chunked.json"), "--iterations", "100000", "--json",
                "-o", output,
            ]
            let events = Pipe()
            process.standardOutput = events
            process.standardError = FileHandle.nullDevice
            try process.run()
            var received = Data()
            while !String(decoding: received, as: UTF8.self).contains("\"event\":\"step\"") {
                let chunk = events.fileHandleForReading.availableData
                XCTAssertFalse(chunk.isEmpty, "the run ended before its first step")
                if chunk.isEmpty { return }
                received += chunk
            }
            kill(process.processIdentifier, signalNumber)
            received += events.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let lines = String(decoding: received, as: UTF8.self).split(separator: "\n")
            let done = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])
            XCTAssertEqual(done["event"] as? String, "done")
            XCTAssertEqual(done["stopped"] as? String, "interrupted")
            XCTAssertEqual(process.terminationReason, .exit)
            XCTAssertEqual(process.terminationStatus, 128 + signalNumber)
            XCTAssertTrue(FileManager.default.fileExists(atPath: output), "the best result so far is written")
        }
    }
}
