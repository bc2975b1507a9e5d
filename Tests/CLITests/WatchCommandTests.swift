import Foundation
import Output
import TestSupport
import XCTest

/// `--watch N`: every N steps the picture's top 5 among the labels, and at the end the result's,
/// with the prompt's CLIP score. The numbers are checked against `clipcanvas score`, which
/// embeds the same texts and the written picture on its own.
final class WatchCommandTests: TinyModelTestCase {
    private let labels = ["cat", "dog", "lighthouse", "boat", "tree", "house", "bicycle", "moon"]
    private var labelsPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        labelsPath = path("labels.txt")
        // Blank lines and surrounding spaces are not labels.
        try Data((labels.map { "  \($0) " } + [""]).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: labelsPath))
    }

    private func events(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    private func matches(_ event: [String: Any]) throws -> [(label: String, probability: Double, cosine: Double)] {
        try XCTUnwrap(event["matches"] as? [[String: Any]]).map {
            (try XCTUnwrap($0["label"] as? String), try XCTUnwrap($0["probability"] as? Double), try XCTUnwrap($0["cosine"] as? Double))
        }
    }

    /// Five distinct labels of `list`, best first by cosine, with probabilities that order the same way.
    private func checkRanking(_ ranked: [(label: String, probability: Double, cosine: Double)], of list: [String]) {
        XCTAssertEqual(ranked.count, 5)
        XCTAssertEqual(Set(ranked.map(\.label)).count, 5)
        XCTAssertTrue(ranked.allSatisfy { list.contains($0.label) }, "\(ranked)")
        XCTAssertEqual(ranked.map(\.cosine), ranked.map(\.cosine).sorted(by: >))
        XCTAssertEqual(ranked.map(\.probability), ranked.map(\.probability).sorted(by: >))
        XCTAssertTrue(ranked.allSatisfy { $0.probability > 0 && $0.probability <= 1 && abs($0.cosine) <= 1 })
    }

    /// `clipcanvas score IMAGE --text …` as cosine and probability per text.
    private func score(_ image: String, _ texts: [String]) throws -> [String: (probability: Double, cosine: Double)] {
        let result = try ClipCanvasBinary.run(["score", image, "--model", weightsPath, "--json"] + texts.flatMap { ["--text", $0] })
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let row = try XCTUnwrap((report["images"] as? [[String: Any]])?.first)
        let cosines = try XCTUnwrap(row["cosine"] as? [Double]), probabilities = try XCTUnwrap(row["probability"] as? [Double])
        return Dictionary(uniqueKeysWithValues: texts.indices.map { (texts[$0], (probabilities[$0], cosines[$0])) })
    }

    func testDrawWatchesEveryTwoStepsAndTheResultAgreesWithScore() throws {
        let result = try ClipCanvasBinary.run(
            [
                "draw", "a lighthouse", "--model", weightsPath, "--paths", "16", "--canvas", "64", "--iterations", "5", "--json",
                "--watch", "2", "--watch-labels", labelsPath, "-o", path("a.png"), "--size", "64",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try events(result.stdout)
        let watches = events.filter { $0["event"] as? String == "watch" }
        XCTAssertEqual(watches.map { $0["iteration"] as? Int }, [2, 4])
        for watch in watches {
            checkRanking(try matches(watch), of: labels)
            XCTAssertNotNil(watch["prompt_cosine"] as? Double)
        }
        // A watch event follows its step.
        let order = events.compactMap { event -> String? in
            guard let name = event["event"] as? String, name == "step" || name == "watch" else { return nil }
            return "\(name) \(event["iteration"] as? Int ?? 0)"
        }
        XCTAssertEqual(order, ["step 1", "step 2", "watch 2", "step 3", "step 4", "watch 4", "step 5"])

        let done = try XCTUnwrap(events.last)
        XCTAssertEqual(done["event"] as? String, "done")
        let final = try XCTUnwrap(done["watch"] as? [String: Any])
        let ranked = try matches(final)
        checkRanking(ranked, of: labels)
        // The result, written at CLIP's resolution, scored by another command: the same labels'
        // cosines and zero-shot probabilities (over all 8 labels), to within the PNG's 8 bits.
        let scored = try score(path("a.png"), labels.map { "a drawing of a \($0)" })
        let byCosine = labels.sorted { scored["a drawing of a \($0)"]!.cosine > scored["a drawing of a \($1)"]!.cosine }
        XCTAssertEqual(ranked.map(\.label), Array(byCosine.prefix(5)))
        for match in ranked {
            let expected = try XCTUnwrap(scored["a drawing of a \(match.label)"])
            XCTAssertEqual(match.cosine, expected.cosine, accuracy: 5e-3, match.label)
            XCTAssertEqual(match.probability, expected.probability, accuracy: 5e-3, match.label)
        }
        let promptScore = try XCTUnwrap(try score(path("a.png"), ["a lighthouse"])["a lighthouse"])
        XCTAssertEqual(try XCTUnwrap(final["prompt_cosine"] as? Double), promptScore.cosine, accuracy: 5e-3)
    }

    func testTheLogShowsWhatCLIPSeesWithTheDefaultNouns() throws {
        let result = try ClipCanvasBinary.run(
            [
                "draw", "a lighthouse", "--model", weightsPath, "--paths", "8", "--canvas", "64", "--iterations", "3", "--watch", "3",
                "-o", path("a.svg"),
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("embedding 333 watch labels as \"a drawing of a …\""), result.stderr)
        let seen = result.stderr.split(separator: "\n").filter { $0.hasPrefix("step 3 sees ") || $0.hasPrefix("CLIP sees in the result: ") }
        XCTAssertEqual(seen.count, 2, result.stderr)
        XCTAssertTrue(seen.allSatisfy { $0.contains("%, ") && $0.contains(" · prompt ") }, "\(seen)")
    }

    func testSketchStyleAndPaintWatchToo() throws {
        let photo = path("photo.png")
        try ImageFile.savePNG(SketchCommandTests.photo(width: 64, height: 64), to: photo)
        // The styler's and the painter's recipes, shrunk for a 64-pixel picture.
        let stylerPreset = path("styler.json"), painterPreset = path("painter.json")
        try Data(#"{"patches": 4, "patch_size": 32, "views_per_pass": 4}"#.utf8).write(to: URL(fileURLWithPath: stylerPreset))
        try Data(#"{"size": 64, "patch_size": 32, "global_views": 4, "patches": 8, "init_candidates": 2}"#.utf8)
            .write(to: URL(fileURLWithPath: painterPreset))
        let runs: [(arguments: [String], prompt: Bool)] = [
            (
                [
                    "sketch", photo, "--model", weightsPath, "--geometric-model", weightsPath, "--geometric-layers", "0", "--strokes", "4",
                    "--iterations", "2", "-o", path("s.svg"),
                ], false
            ),
            (
                [
                    "style", photo, "fire", "--model", weightsPath, "--preset", stylerPreset, "--size", "64", "--iterations", "2",
                    "--content-model", "clip", "-o", path("t.png"),
                ], true
            ),
            (["paint", "fire", "--model", weightsPath, "--preset", painterPreset, "--iterations", "2", "-o", path("p.png")], true),
        ]
        for run in runs {
            let result = try ClipCanvasBinary.run(run.arguments + ["--json", "--watch", "1", "--watch-labels", labelsPath])
            XCTAssertEqual(result.status, 0, "\(run.arguments[0]): \(result.stderr)")
            let events = try events(result.stdout)
            let watches = events.filter { $0["event"] as? String == "watch" }
            XCTAssertEqual(watches.map { $0["iteration"] as? Int }, [1, 2], run.arguments[0])
            let final = try XCTUnwrap((events.last?["watch"]) as? [String: Any], run.arguments[0])
            checkRanking(try matches(final), of: labels)
            // A sketch has no prompt, so no prompt score.
            XCTAssertEqual(final["prompt_cosine"] != nil, run.prompt, run.arguments[0])
        }
    }

    func testBadWatchValuesFailClearlyAndWriteNothing() throws {
        let empty = path("empty.txt")
        try Data(" \n\n  \n".utf8).write(to: URL(fileURLWithPath: empty))
        let cases: [([String], String)] = [
            (["--watch", "0"], "--watch must be at least 1, got 0"),
            (["--watch", "2", "--watch-labels", path("missing.txt")], "cannot read the watch labels"),
            (["--watch", "2", "--watch-labels", empty], "holds no labels"),
            (["--watch-labels", labelsPath], "--watch-labels needs --watch N"),
        ]
        for (extra, message) in cases {
            let result = try ClipCanvasBinary.run(
                [
                    "draw", "a lighthouse", "--model", weightsPath, "--paths", "4", "--canvas", "64", "--iterations", "2", "-o",
                    path("out.svg"),
                ] + extra)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            let errors = result.stderr.split(separator: "\n").filter { $0.lowercased().hasPrefix("error: ") }
            XCTAssertEqual(errors.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(message), "\(extra): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.svg")), "\(extra)")
        }
    }
}
