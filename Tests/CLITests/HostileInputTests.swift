import Foundation
import Models
import Output
import TestSupport
import XCTest

/// Files crafted to crash the binary or make it take gigabytes: each runs the built binary under
/// an address-space limit (`ulimit -v`) far below what the attack needed before it was fixed,
/// and expects one `error:` line, an ordinary non-zero exit (no signal) and no output file.
final class HostileInputTests: TinyModelTestCase {
    /// 1.5 GB of address space: a run on a small model needs a few hundred MB; each attack
    /// below took 3.7 to 9.6 GB or crashed the stack.
    private static let addressSpaceLimit = 1_536 << 20

    private func write(_ data: Data, to name: String) throws -> String {
        try data.write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// One `error:` line containing `expected`, a plain non-zero exit, and no `output`.
    private func assertRefused(
        _ arguments: [String], output: String, saying expected: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let run = try ClipCanvasBinary.runLimited(arguments, kilobytes: Self.addressSpaceLimit / 1024)
        XCTAssertLessThan(run.status, 128, "killed by signal \(run.status - 128): \(run.stderr)", file: file, line: line)
        XCTAssertNotEqual(run.status, 0, run.stderr, file: file, line: line)
        let lines = run.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, run.stderr, file: file, line: line)
        XCTAssertTrue(lines.first?.hasPrefix("error: ") ?? false, run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.contains(expected), run.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(output) was written", file: file, line: line)
    }

    // MARK: Checkpoints

    func testDeeplyNestedPicklesAreRefusedNotACrash() throws {
        let photo = try write(try HostileFiles.png(width: 8, height: 8), to: "photo.png")
        let output = path("out.npy")
        let pickles = [
            ("lists.pt", HostileFiles.nestedListsPickle(depth: 50_000), "nests values more than 200 levels deep"),
            ("tuples.pt", HostileFiles.nestedTuplesPickle(depth: 200_000), "nests values more than 200 levels deep"),
            ("top-down.pt", HostileFiles.topDownListsPickle(depth: 50_000), "deepens a container after nesting it"),
        ]
        for (name, pickle, reason) in pickles {
            let model = try write(HostileFiles.checkpoint(pickle: pickle), to: name)
            try assertRefused(
                ["embed", photo, "--model", model, "-o", output], output: output,
                saying: "\(name) is not a valid checkpoint: the pickle \(reason)")
        }
    }

    func testNestedPickleAsStyleContentModelIsRefused() throws {
        let photo = try write(try HostileFiles.png(width: 16, height: 16), to: "photo.png")
        let content = try write(HostileFiles.checkpoint(pickle: HostileFiles.nestedTuplesPickle(depth: 200_000)), to: "vgg.pth")
        let output = path("styled.png")
        try assertRefused(
            [
                "style", photo, "an oil painting", "--model", weightsPath, "--content-model", content, "--size", "64",
                "--iterations", "1", "--quiet", "-o", output,
            ],
            output: output, saying: "vgg.pth is not a valid checkpoint: the pickle nests values more than 200 levels deep")
    }

    func testZipBombIsRefusedBeforeInflating() throws {
        let photo = try write(try HostileFiles.png(width: 8, height: 8), to: "photo.png")
        let bomb = try write(HostileFiles.zipBomb(declaredSize: 4_000_000_000), to: "bomb.pt")
        let output = path("out.npy")
        try assertRefused(
            ["embed", photo, "--model", bomb, "-o", output], output: output,
            saying: "storage data/0 declares 4,000,000,000 bytes when inflated, more than the 16 it can use")
    }

    /// The library gives the same reasons, so other callers (and the style content model) do too.
    func testCheckpointReaderRefusals() throws {
        let cases: [(String, Data, String)] = [
            (
                "lists.pt", HostileFiles.checkpoint(pickle: HostileFiles.nestedListsPickle(depth: 50_000)),
                "the pickle nests values more than 200 levels deep"
            ),
            (
                "tuples.pt", HostileFiles.checkpoint(pickle: HostileFiles.nestedTuplesPickle(depth: 200_000)),
                "the pickle nests values more than 200 levels deep"
            ),
            (
                "top-down.pt", HostileFiles.checkpoint(pickle: HostileFiles.topDownListsPickle(depth: 1_000)),
                "the pickle deepens a container after nesting it in another"
            ),
            (
                "bomb.pt", HostileFiles.zipBomb(declaredSize: 1 << 20),
                "storage data/0 declares 1,048,576 bytes when inflated, more than the 16 it can use"
            ),
        ]
        for (name, data, reason) in cases {
            let file = try write(data, to: name)
            XCTAssertThrowsError(try StateDict.load(URL(fileURLWithPath: file)), name) { error in
                XCTAssertEqual(error as? WeightError, .malformed(file: file, reason: reason + (name == "bomb.pt" ? " (a zip bomb?)" : "")))
            }
        }
        // What real files do still loads: a tensor with Python attributes (REDUCE, then BUILD).
        let values: [Float] = [1, 2, 3, 4]
        let withState = try write(
            HostileFiles.zip([
                .init(name: "archive/data.pkl", data: HostileFiles.stateDictPickle(count: 4, withState: true)),
                .init(name: "archive/data/0", data: values.withUnsafeBytes { Array($0) }),
            ]), to: "with-state.pt")
        XCTAssertEqual(try StateDict.load(URL(fileURLWithPath: withState)).tensor("w", shape: [4]).values, values)
        // Nesting up to the limit is fine: the cap is not an off-by-one below real files' needs.
        let deepEnough = try write(
            HostileFiles.checkpoint(pickle: HostileFiles.nestedListsPickle(depth: 200)), to: "deep-enough.pt")
        XCTAssertThrowsError(try StateDict.load(URL(fileURLWithPath: deepEnough))) { error in
            XCTAssertEqual(error as? WeightError, .malformed(file: deepEnough, reason: "its pickle is not a state dict"))
        }
    }

    // MARK: Images

    func testTallThinPhotoIsPreparedInBoundedMemory() throws {
        // CLIP's resize makes the short side 224: this photo would become 224 x 3,584,000.
        let photo = try write(try HostileFiles.png(width: 1, height: 16_000), to: "tall.png")
        let output = path("tall.npy")
        let run = try ClipCanvasBinary.runLimited(
            ["embed", photo, "--model", weightsPath, "-o", output], kilobytes: Self.addressSpaceLimit / 1024)
        XCTAssertLessThan(run.status, 128, "killed by signal \(run.status - 128): \(run.stderr)")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))
    }

    func testImageLargerThanThePixelBudgetIsTooLargeNotCorrupt() throws {
        let photo = try write(try HostileFiles.pngClaiming(width: 16_000, height: 16_000), to: "huge.png")
        let output = path("huge.npy")
        try assertRefused(
            ["embed", photo, "--model", weightsPath, "-o", output], output: output,
            saying: "image is too large: 16000 x 16000 pixels, the limit is 67,108,864 pixels (8192 x 8192)")
    }
}
