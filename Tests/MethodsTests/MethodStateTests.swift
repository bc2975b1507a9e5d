import Foundation
import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// Each method's captured state, restored into a freshly prepared run, continues exactly as the
/// captured run does; and the checkpoint file keeps a state bit for bit and refuses damage.
final class MethodStateTests: XCTestCase {
    /// Runs `make()` for `before` steps and captures it; restores that state into a second
    /// `make()`, then both take `after` more steps: their states must be identical throughout,
    /// and the second run's must differ from a run that was not restored.
    private func checkResumes<Method: ResumableMethod>(
        before: Int, after: Int, _ make: () throws -> Method, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let original = try make()
        for _ in 0..<before { _ = original.step() }
        let captured = original.captureState()
        let restored = try make()
        let untouched = restored.captureState()
        XCTAssertNotEqual(untouched, captured, "the steps changed the state", file: file, line: line)
        try restored.restoreState(captured)
        XCTAssertEqual(restored.captureState(), captured, "restore then capture gives the state back", file: file, line: line)
        XCTAssertEqual(restored.completedIterations, before, file: file, line: line)
        for _ in 0..<after {
            let expected = original.step(), actual = restored.step()
            XCTAssertEqual(actual.iteration, expected.iteration, file: file, line: line)
            XCTAssertEqual(actual.loss.bitPattern, expected.loss.bitPattern, "step \(expected.iteration)", file: file, line: line)
        }
        XCTAssertEqual(restored.captureState(), original.captureState(), file: file, line: line)
    }

    func testCLIPDrawResumes() throws {
        var recipe = try Preset.load("clipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        recipe.iterations = 10
        recipe.paths = 6
        recipe.canvas = 48
        // The point schedule's drop at 50% falls after the restore: the step count carries it.
        try checkResumes(before: 3, after: 5) {
            try CLIPDraw(prompt: "a red circle", configuration: recipe, model: try TinyCLIP.model(), seed: 7)
        }
    }

    func testCLIPassoRunsResumeAcrossTheirLevels() throws {
        var recipe = try Preset.load("clipasso", method: "clipasso", as: CLIPasso.Configuration.self)
        recipe.iterations = 4
        recipe.strokeWidth = 1.5
        recipe.evalInterval = 2
        let resNet = try CLIPModel(
            weights: SyntheticWeights.stateDict(for: CLIPassoTests.tinyResNet), architecture: CLIPassoTests.tinyResNet, name: "tiny-resnet")
        let saliency = try SketchSaliency(
            photo: CLIPassoTests.photo(), model: try TinyCLIP.model(), modelName: "tiny", edgeIntersection: true)
        let target = try SketchTarget(photo: CLIPassoTests.photo(), configuration: recipe, geometricModel: resNet, saliency: saliency)
        // Levels 3 and 5 strokes, 4 steps each: captured inside the first, continued into the second.
        try checkResumes(before: 3, after: 4) { try CLIPassoRuns(target: target, configuration: recipe, levels: [3, 5], seed: 1) }
    }

    func testCLIPstylerResumes() throws {
        var recipe = try Preset.load("clipstyler", method: "clipstyler", as: CLIPstyler.Configuration.self)
        recipe.iterations = 6
        recipe.size = 32
        recipe.patches = 2
        recipe.patchSize = 16
        recipe.learningRateStep = 3  // the schedule's step falls after the restore
        try checkResumes(before: 2, after: 3) {
            try CLIPstyler(
                photo: CLIPstylerTests.photo(height: 24, width: 32), style: "fire", configuration: recipe, model: try TinyCLIP.model(),
                contentNetwork: .clipFeatures, seed: 3)
        }
    }

    func testCLIPAGResumesWithPixelsAndWithAPyramid() throws {
        var recipe = try Preset.load("clipag", method: "clipag", as: CLIPAG.Configuration.self)
        recipe.iterations = 6
        recipe.size = 32
        recipe.globalViews = 2
        recipe.patches = 48
        recipe.patchSize = 16
        recipe.initCandidates = 2
        for parameterization in ["pixels", "pyramid"] {
            recipe.parameterization = parameterization
            try checkResumes(before: 2, after: 3) {
                try CLIPAG(prompt: "a yellow flower", configuration: recipe, model: try TinyCLIP.model(), seed: 2)
            }
        }
    }

    func testAStateFromAnotherRunIsRefusedNamingWhatDiffers() throws {
        var recipe = try Preset.load("clipdraw", method: "clipdraw", as: CLIPDraw.Configuration.self)
        recipe.iterations = 4
        recipe.canvas = 48
        recipe.paths = 6
        let six = try CLIPDraw(prompt: "a red circle", configuration: recipe, model: try TinyCLIP.model(), seed: 7)
        recipe.paths = 5
        let five = try CLIPDraw(prompt: "a red circle", configuration: recipe, model: try TinyCLIP.model(), seed: 7)
        XCTAssertThrowsError(try five.restoreState(six.captureState())) { error in
            XCTAssertTrue("\(error)".contains("where this run has"), "\(error)")
        }
        var incomplete = six.captureState().substate(prefix: "")
        incomplete.set("generator", words: [])
        XCTAssertThrowsError(try six.restoreState(incomplete)) { XCTAssertTrue("\($0)".contains("generator"), "\($0)") }
    }

    // MARK: The file

    private func sampleFile() -> CheckpointFile {
        var state = MethodState()
        state.set("weights", floats: [1.5, -0.0, .infinity, .leastNonzeroMagnitude, Float(bitPattern: 0x7FC0_1234)])
        state.set("generator", words: [0xDEAD_BEEF_0123_4567])
        state.set("empty", floats: [])
        let settings = [CheckpointFile.Setting(name: "command", value: "draw"), CheckpointFile.Setting(name: "seed", value: "5")]
        return CheckpointFile(settings: settings, step: 12, state: state)
    }

    func testTheFileKeepsEveryBitAndRefusesEveryDamage() throws {
        let file = sampleFile()
        let bytes = try file.encoded()
        let read = try CheckpointFile(decoding: bytes)
        XCTAssertEqual(read.header, file.header)
        // NaN payloads and signed zeros survive: compare bit patterns, not values.
        XCTAssertEqual(try read.state.floats("weights").map(\.bitPattern), try file.state.floats("weights").map(\.bitPattern))
        XCTAssertEqual(try read.state.words("generator"), [0xDEAD_BEEF_0123_4567])
        XCTAssertEqual(try read.state.floats("empty"), [])
        for index in 0..<bytes.count {
            var damaged = bytes
            damaged[index] ^= 0x01
            XCTAssertThrowsError(try CheckpointFile(decoding: damaged), "a flipped bit at byte \(index) is noticed")
        }
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try CheckpointFile(decoding: bytes.prefix(length)), "cut to \(length) bytes")
        }
    }

    func testSettingsAreComparedByName() {
        let file = sampleFile()
        XCTAssertNil(file.difference(from: file.header.settings))
        XCTAssertEqual(
            file.difference(from: [.init(name: "command", value: "draw"), .init(name: "seed", value: "6")]),
            #"its seed is "5", this run's is "6""#)
        XCTAssertEqual(
            file.difference(from: [
                .init(name: "command", value: "draw"), .init(name: "seed", value: "5"), .init(name: "prompt", value: "x"),
            ]),
            #"it has no prompt setting (this run: "x")"#)
        XCTAssertEqual(file.difference(from: [.init(name: "command", value: "draw")]), #"it has a seed setting ("5") this run does not"#)
    }
}
