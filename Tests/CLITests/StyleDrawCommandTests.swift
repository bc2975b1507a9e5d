import Foundation
import Models
import Output
import Scene
import TestSupport
import XCTest

/// `clipcanvas draw --style` (StyleCLIPDraw) end to end with the tiny CLIP and VGG16 with
/// synthetic weights written as a file, as a user's weights would arrive.
final class StyleDrawCommandTests: TinyModelTestCase {
    private var stylePath = ""
    private var vggPath = ""
    /// A torch home with no checkpoints, so no test reads the machine's own cache.
    private var emptyTorchHome: [String: String] { ["TORCH_HOME": path("empty-torch-home")] }

    override func setUpWithError() throws {
        try super.setUpWithError()
        // A 32x32 style image (16x16 on the 16-pixel canvas, the least VGG16 takes, so the style
        // loss's matrices stay small): diagonal stripes in two colours.
        var pixels = [Float](repeating: 0, count: 3 * 32 * 32)
        for y in 0..<32 {
            for x in 0..<32 {
                let stripe = (x + y) / 5 % 2 == 0
                pixels[y * 32 + x] = stripe ? 0.9 : 0.1
                pixels[1024 + y * 32 + x] = stripe ? 0.6 : 0.2
                pixels[2048 + y * 32 + x] = stripe ? 0.1 : 0.8
            }
        }
        stylePath = path("stripes.png")
        try ImageFile.save(Image(width: 32, height: 32, channels: 3, pixels: pixels), to: [stylePath])
        vggPath = path("vgg16.safetensors")
        try TinyCLIP.safetensors(VGG16Features.syntheticWeights(seed: 16).tensors).write(to: URL(fileURLWithPath: vggPath))
    }

    private func draw(_ extra: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try ClipCanvasBinary.run(
            ["draw", "a lighthouse", "--model", weightsPath, "--paths", "6", "--canvas", "16", "--augmentations", "2"] + extra,
            environment: environment ?? emptyTorchHome)
    }

    /// The styleclipdraw preset's last 10% of the steps run without CLIP: step 10 of 10 reports
    /// no similarity; the others do.
    func testDrawWithAStyleImageSwitchesCLIPOffForTheLastTenthOfTheSteps() throws {
        let output = path("styled.svg")
        let result = try draw(
            ["--style", stylePath, "--style-model", vggPath, "--iterations", "10", "-o", output, "--json", "--seed", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let steps = try result.stdout.split(separator: "\n").compactMap {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }.filter { $0["event"] as? String == "step" }
        XCTAssertEqual(steps.count, 10)
        XCTAssertEqual(steps.map { $0["similarity"] != nil }, Array(repeating: true, count: 9) + [false])
        XCTAssertTrue(steps.allSatisfy { ($0["loss"] as? Double)?.isFinite == true })
        let scene = try SVGReader.read(try Data(contentsOf: URL(fileURLWithPath: output))).scene
        XCTAssertEqual(scene.paths.count, 6)
    }

    /// torchvision's file in the torch hub cache is found without --style-model; the style
    /// weight changes the run.
    func testTheTorchHubCacheIsReadAndTheStyleWeightMatters() throws {
        let checkpoints = path("torch-home/hub/checkpoints")
        try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: vggPath, toPath: checkpoints + "/vgg16-397923af.pth")
        let environment = ["TORCH_HOME": path("torch-home")]
        let common = ["--style", stylePath, "--iterations", "2", "--seed", "4", "--quiet"]
        let light = try draw(common + ["-o", path("light.svg"), "--style-weight", "0"], environment: environment)
        XCTAssertEqual(light.status, 0, light.stderr)
        let heavy = try draw(common + ["-o", path("heavy.svg"), "--style-weight", "50"], environment: environment)
        XCTAssertEqual(heavy.status, 0, heavy.stderr)
        XCTAssertNotEqual(
            try Data(contentsOf: URL(fileURLWithPath: path("light.svg"))), try Data(contentsOf: URL(fileURLWithPath: path("heavy.svg"))))
    }

    func testBadStyleArgumentsFailClearlyAndWriteNothing() throws {
        let output = path("never.svg")
        let cases: [([String], String)] = [
            (["--style", path("missing.png"), "--style-model", vggPath], "missing.png"),
            (["--style", stylePath], "vgg16-397923af.pth"),
            (["--style", stylePath], path("empty-torch-home") + "/hub/checkpoints"),
            (["--style", stylePath, "--style-model", path("nowhere.pth")], "nowhere.pth"),
            (["--style", stylePath, "--style-model", weightsPath], "not usable as VGG16 weights"),
            (["--style", stylePath, "--style-model", vggPath, "--style-weight=-1"], "--style-weight must be a non-negative number"),
            (["--style", stylePath, "--style-model", vggPath, "--style-weight", "nan"], "--style-weight must be a non-negative number"),
            (["--style-weight", "2"], "need --style IMAGE"),
            (["--preset", "styleclipdraw"], "clip_until"),
        ]
        for (arguments, expected) in cases {
            let result = try draw(arguments + ["-o", output])
            XCTAssertNotEqual(result.status, 0, "\(arguments) should fail")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): expected \"\(expected)\" in:\n\(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").filter { $0.lowercased().hasPrefix("error:") }.count, 1, result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }
}
