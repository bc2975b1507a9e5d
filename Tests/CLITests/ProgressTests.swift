import Foundation
import Output
import TestSupport
import XCTest

/// Progress and outputs that explain themselves: which level and seed a step belongs to, which
/// loss "best" is, singular and plural, unescaped paths in JSON, and embeddings on stdout.
final class ProgressTests: TinyModelTestCase {
    private var photoPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        photoPath = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photoPath)
    }

    private func sketch(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            [
                "sketch", photoPath, "--model", weightsPath, "--geometric-layers", "0", "--abstractions", "2,5", "--seeds", "2",
                "--iterations", "3", "-o", path("s.svg"),
            ] + extra)
    }

    func testSeveralLevelsAndSeedsSayWhichStepIsWhich() throws {
        let json = try sketch(["--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let events = try json.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let steps = events.filter { $0["event"] as? String == "step" }
        XCTAssertEqual(steps.count, 12)
        XCTAssertEqual(steps.map { $0["level"] as? Int }, [2, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5, 5])
        XCTAssertEqual(steps.map { $0["seed"] as? Int }, [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
        XCTAssertTrue(steps.allSatisfy { $0["seed_count"] as? Int == 2 })
        // JSON leaves "/" in paths as it is.
        XCTAssertFalse(json.stdout.contains("\\/"), json.stdout)
        XCTAssertTrue(json.stdout.contains(path("s-2.svg")), json.stdout)

        let log = try sketch([])
        XCTAssertEqual(log.status, 0, log.stderr)
        XCTAssertTrue(log.stderr.contains("step  1/12 · level 2 · seed 1/2  loss "), log.stderr)
        XCTAssertTrue(log.stderr.contains("step 12/12 · level 5 · seed 2/2  loss "), log.stderr)
        // CLIPasso keeps the sketch with the lowest evaluation loss: the label says so.
        XCTAssertTrue(log.stderr.contains("best eval "), log.stderr)

        // One level, one seed: nothing to tell apart.
        let single = try ClipCanvasBinary.run(
            [
                "sketch", photoPath, "--model", weightsPath, "--geometric-layers", "0", "--strokes", "3", "--iterations", "2",
                "-o", path("one.svg"), "--json",
            ])
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertFalse(single.stdout.contains("\"level\"") || single.stdout.contains("\"seed_count\""), single.stdout)
    }

    func testOneStepIsSingular() throws {
        let result = try ClipCanvasBinary.run(
            ["draw", "a cat", "--model", weightsPath, "--paths", "2", "--canvas", "64", "--iterations", "1", "-o", path("d.svg")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("draw: 1 step with"), result.stderr)
        XCTAssertTrue(result.stderr.contains("completed after 1 step in"), result.stderr)
        XCTAssertFalse(result.stderr.contains("1 steps"), result.stderr)
    }

    /// Without --json or -o, `embed` prints each input and its vector.
    func testEmbedPrintsTheVectorsByDefault() throws {
        let result = try ClipCanvasBinary.run(["embed", "--text", "a cat", "--text", "a/b", "--model", weightsPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[1].hasPrefix("a/b\t"))
        let numbers = lines[0].split(separator: "\t")[1].split(separator: " ").compactMap { Float($0) }
        XCTAssertEqual(numbers.count, TinyCLIP.architecture.embedDimension)
        XCTAssertEqual(numbers.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-3, "unit vectors")
        let json = try ClipCanvasBinary.run(["embed", "--text", "a/b", "--model", weightsPath, "--json"])
        XCTAssertTrue(json.stdout.contains("\"a/b\""), json.stdout)
    }
}
