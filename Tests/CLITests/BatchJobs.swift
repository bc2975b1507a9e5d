import Foundation
import Output
import TestSupport
import XCTest

/// A batch of six small jobs on the tiny CLIP, two of each kind of picture and one of each
/// command (draw, sketch, style, paint), with their inputs written into a test's folder: each
/// job takes well under a second.
struct BatchJobs {
    let directory: String
    let weightsPath: String

    var jobsPath: String { directory + "/jobs.jsonl" }
    var photoPath: String { directory + "/photo.png" }

    /// The job ids in file order, with their commands.
    static let ids = ["draw-1", "sketch-1", "style-1", "paint-1", "draw-2", "sketch-2"]

    /// `iterations`: the steps of every job (the interruption tests make them long).
    func write(iterations: Int = 4) throws {
        try ImageFile.savePNG(SketchCommandTests.photo(width: 80, height: 64), to: photoPath)
        try Data(#"{"patches": 4, "patch_size": 32, "views_per_pass": 4}"#.utf8).write(to: URL(fileURLWithPath: directory + "/style.json"))
        try Data(#"{"size": 64, "patch_size": 32, "global_views": 2, "patches": 4, "init_candidates": 2}"#.utf8)
            .write(to: URL(fileURLWithPath: directory + "/paint.json"))
        let model = weightsPath
        let sketch: [String: Any] = [
            "photo": photoPath, "model": model, "geometric-model": model, "geometric-layers": "0", "strokes": 4,
            "iterations": iterations,
        ]
        let jobs: [[String: Any]] = [
            [
                "id": "draw-1", "command": "draw",
                "args": ["prompt": "a red circle", "model": model, "paths": 4, "canvas": 64, "iterations": iterations, "seed": 1],
            ],
            ["id": "sketch-1", "command": "sketch", "args": sketch.merging(["seed": 2]) { $1 }],
            [
                "id": "style-1", "command": "style",
                "args": [
                    "photo": photoPath, "style": "fire", "model": model, "preset": directory + "/style.json", "size": 64,
                    "content-model": "clip", "iterations": iterations, "seed": 3, "output": ["fire.png"],
                ],
            ],
            [
                "id": "paint-1", "command": "paint",
                "args": [
                    "prompt": "a yellow flower", "model": model, "preset": directory + "/paint.json", "iterations": iterations, "seed": 4,
                ],
            ],
            [
                "id": "draw-2", "command": "draw",
                "args": [
                    "prompt": "a blue square", "model": model, "paths": 4, "canvas": 64, "iterations": iterations, "seed": 5,
                    "negative": ["a circle", "a line"], "no-alpha": true,
                ],
            ],
            ["id": "sketch-2", "command": "sketch", "args": sketch.merging(["seed": 6, "output": ["s.svg"]]) { $1 }],
        ]
        let lines = try jobs.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: jobsPath, atomically: true, encoding: .utf8)
    }

    /// The JSON events of `path`, one object per line.
    static func events(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    static func record(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }
}
