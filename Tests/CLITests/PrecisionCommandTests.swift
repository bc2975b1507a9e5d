import Foundation
import TestSupport
import XCTest

/// `--precision` on the method commands and on `bench`, and `bench --threads`.
final class PrecisionCommandTests: TinyModelTestCase {
    private func draw(_ extra: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            ["draw", "a lighthouse", "--model", weightsPath, "--paths", "8", "--canvas", "64", "--iterations", "4", "--quiet"] + extra,
            environment: environment)
    }

    private func contents(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    /// A refused run: non-zero exit, `expected` on stderr in exactly one error line (usage may follow).
    private func assertRefused(
        _ result: (status: Int32, stdout: String, stderr: String), _ expected: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), "expected \"\(expected)\" in:\n\(result.stderr)", file: file, line: line)
        XCTAssertEqual(
            result.stderr.split(separator: "\n").filter { $0.lowercased().hasPrefix("error") }.count, 1, result.stderr, file: file,
            line: line)
    }

    func testInt8GuidanceChangesTheDrawingAndRepeatsByteForByte() throws {
        for (name, precision) in [("fp32.svg", "fp32"), ("int8.svg", "int8"), ("int8-again.svg", "int8")] {
            let result = try draw(["-o", path(name), "--precision", precision])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(try contents("int8.svg"), try contents("int8-again.svg"))
        XCTAssertNotEqual(try contents("int8.svg"), try contents("fp32.svg"), "int8 rounds, so its gradients differ")
    }

    func testAnUnknownPrecisionIsOneErrorLineAndNoFile() throws {
        let result = try draw(["-o", path("a.svg"), "--precision", "fp16"])
        assertRefused(result, "'fp16' is invalid for '--precision")
        for name in ["fp32", "int8", "bf16"] { XCTAssertTrue(result.stderr.contains(name), result.stderr) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("a.svg")))
    }

    /// oneDNN honours DNNL_MAX_CPU_ISA, so the refusal a CPU without bf16 gets is testable here.
    func testBFloat16IsRefusedWithoutTheInstructions() throws {
        let result = try draw(["-o", path("a.svg"), "--precision", "bf16"], environment: ["DNNL_MAX_CPU_ISA": "AVX512_CORE"])
        assertRefused(result, "--precision bf16: this CPU has no bf16 instructions")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("a.svg")))
    }

    func testBenchRefusesBadListsWithOneErrorLine() throws {
        let cases = [
            (["--precision", "fp32,int4"], "got \"int4\""), (["--precision", "int8,int8"], "a precision twice"),
            (["--threads", "0"], "got \"0\""), (["--threads", "1,two"], "got \"1,two\""),
        ]
        for (arguments, expected) in cases {
            let result = try ClipCanvasBinary.run(["bench", "--only", "sgemm"] + arguments)
            assertRefused(result, expected)
            XCTAssertEqual(result.stdout, "", "\(arguments)")
        }
    }

    func testBenchRunsEachCaseAtEachThreadCountAndPrecision() throws {
        let threads = try ClipCanvasBinary.run(
            ["bench", "--only", "sgemm.400x768x768", "--threads", "1,2", "--min-runs", "1", "--min-seconds", "0"])
        XCTAssertEqual(threads.status, 0, threads.stderr)
        XCTAssertTrue(threads.stdout.contains("sgemm.400x768x768 [1t]"), threads.stdout)
        XCTAssertTrue(threads.stdout.contains("sgemm.400x768x768 [2t]"), threads.stdout)
        XCTAssertTrue(threads.stdout.contains("2 threads vs 1: "), threads.stdout)

        let precisions = try ClipCanvasBinary.run(
            ["bench", "--only", "vitb32.fwd.b1", "--precision", "fp32,int8", "--min-runs", "1", "--min-seconds", "0", "--json"])
        XCTAssertEqual(precisions.status, 0, precisions.stderr)
        let rows = try precisions.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(rows.compactMap { $0["precision"] as? String }, ["fp32", "int8"])
        XCTAssertTrue(rows.allSatisfy { ($0["median_ms"] as? Double ?? 0) > 0 })
    }
}
