import Foundation
import TestSupport
import XCTest

/// `bench --reference DIR`: each case beside the PyTorch reference's figure for it (read from the
/// anchors' results folder), and a method step beside its float32 bound.
final class BenchReferenceTests: TemporaryDirectoryTestCase {
    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    private func rows(_ output: String) throws -> [String: [String: Any]] {
        var rows: [String: [String: Any]] = [:]
        for line in output.split(separator: "\n") {
            let row = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            rows[try XCTUnwrap(row["name"] as? String)] = row
        }
        return rows
    }

    /// The anchors' file layout (bench_clip.py's clip.json, a step script's NAME.json and
    /// /usr/bin/time -v's NAME.time), with made-up figures.
    func testEachCaseIsPrintedBesideItsReferenceAndItsBound() throws {
        try write("clip.json", #"{"clip": {"ViT-B-32 b1 forward(no_grad)": {"median_s": 2.5, "n": 5}}}"#)
        try write("sgemm.json", #"{"torch_mm": {"gflops_median": 150.0}, "numpy": {"gflops_median": 160.0}}"#)
        try write("cd_none_frozen.json", #"{"parts": {"total": {"median_s": 4.0, "n": 10}}}"#)
        try write(
            "cd_none_frozen.time", "\tCommand being timed: \"python iter_clipdraw.py\"\n\tMaximum resident set size (kbytes): 1536000\n")
        let arguments = ["bench", "--reference", directory, "--min-runs", "1", "--min-seconds", "0"]
        let result = try ClipCanvasBinary.run(arguments + ["--only", "vitb32.fwd.b1", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let vit = try XCTUnwrap(try rows(result.stdout)["vitb32.fwd.b1"])
        let median = try XCTUnwrap(vit["median_ms"] as? Double)
        XCTAssertEqual(vit["reference_ms"] as? Double, 2500)
        XCTAssertEqual(try XCTUnwrap(vit["speedup_vs_reference"] as? Double), 2500 / median, accuracy: 1e-9)
        XCTAssertEqual(vit["reference_source"] as? String, "clip.json: ViT-B-32 b1 forward(no_grad)")
        XCTAssertNil(vit["bound_fraction"], "a single pass has no method-step bound")

        let step = try ClipCanvasBinary.run(arguments + ["--only", "iter.clipdraw"])
        XCTAssertEqual(step.status, 0, step.stderr)
        XCTAssertTrue(step.stdout.contains("sgemm when it ran: torch.mm 150.0, numpy 160.0 GFLOP/s"), step.stdout)
        XCTAssertTrue(
            step.stdout.contains("PyTorch reference 4000 ms (cd_none_frozen, no diffvg render; peak 1500 MB): ours "), step.stdout)
        // CLIPDraw's bound: 4 views through ViT-B/32 forward and back, 8.23 GFLOP a forward pass.
        XCTAssertTrue(step.stdout.contains("float32 bound: 65.9 GFLOP at "), step.stdout)
    }

    func testAMissingOrEmptyReferenceFolderIsOneClearError() throws {
        for folder in [path("absent"), directory] {
            let result = try ClipCanvasBinary.run(["bench", "--only", "sgemm.400x768x768", "--reference", folder])
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.stderr.contains("--reference \(folder): no"), result.stderr)
            XCTAssertEqual(result.stdout, "")
        }
    }
}
