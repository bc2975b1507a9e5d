import Foundation
import XCTest

/// Runs the built `clipcanvas` executable as a user would.
enum ClipCanvasBinary {
    /// The executable from the same build as this test bundle: SwiftPM puts products and the
    /// test bundle in one directory (.build/<configuration>/), so look beside the bundle and in
    /// its parents (on macOS the bundle's executable sits deeper inside it).
    static func executable() throws -> URL {
        let starts = [Bundle.main.executableURL, Bundle.main.bundleURL, Bundle(for: Marker.self).bundleURL].compactMap { $0 }
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<5 {
                let candidate = directory.appendingPathComponent("clipcanvas")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw XCTSkip("clipcanvas binary not found beside the test bundle; build with --build-tests first")
    }

    /// `launcher`, if given, starts the binary instead (e.g. a shell that sets a limit first and
    /// execs it): the launcher's first element is the program, the rest come before `arguments`.
    static func run(_ arguments: [String], environment: [String: String]? = nil, launcher: [String]? = nil) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = Process()
        if let launcher {
            process.executableURL = URL(fileURLWithPath: launcher[0])
            process.arguments = Array(launcher.dropFirst()) + arguments
        } else {
            process.executableURL = try executable()
            process.arguments = arguments
        }
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        // stderr goes to a file, so a chatty child cannot block on a full pipe while we read stdout.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("clipcanvas-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = (try? Data(contentsOf: errorFile)) ?? Data()
        // A signal reads as a shell reports it, 128 + its number: a trap or a crash is never
        // mistaken for an ordinary failing exit.
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    /// The binary under `ulimit -v` (kilobytes of address space), through /bin/sh so that no
    /// extra tool is needed: a run that would take gigabytes fails its allocation instead.
    static func runLimited(_ arguments: [String], kilobytes: Int, environment: [String: String]? = nil) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try run(
            arguments, environment: environment,
            launcher: ["/bin/sh", "-c", "ulimit -v \(kilobytes) && exec \"$0\" \"$@\"", try executable().path])
    }

    private final class Marker {}
}
