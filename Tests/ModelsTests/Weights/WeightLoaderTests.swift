import Foundation
import Models
import Tensor
import TestSupport
import XCTest

/// The weight readers against files written by PyTorch (torch.jit.save, torch.save),
/// safetensors and a hand-made ZIP64 writer — see `Tools/fixtures/make_weight_fixtures.py`.
/// `expected.json` holds every tensor's shape and float32 bit patterns, so fp16/bf16 conversion
/// is checked bit for bit, and the numbers each bad file's error must report.
final class WeightLoaderTests: XCTestCase {
    // MARK: Fixtures

    struct Expected: Decodable {
        struct File: Decodable {
            let format: String
            let activation: String?
            let tensors: [String: Values]
        }

        struct Values: Decodable {
            let shape: [Int]
            let bits: [UInt32]
        }

        struct Truncation: Decodable {
            let storage: String?
            let tensor: String?
            let needed: Int
            let offset: Int
            let fileSize: Int
        }

        struct Refusal: Decodable {
            let global: String
            let marker: String
        }

        struct Errors: Decodable {
            let truncatedZip: Truncation
            let truncatedSafetensors: Truncation
            let malicious: Refusal
            let maliciousStackGlobal: Refusal

            enum CodingKeys: String, CodingKey {
                case truncatedZip = "truncated.pt"
                case truncatedSafetensors = "truncated.safetensors"
                case malicious = "malicious.pt"
                case maliciousStackGlobal = "malicious_stack_global.pt"
            }
        }

        let files: [String: File]
        let errors: Errors
    }

    static let directory = Fixtures(Bundle.module).url("weights")
    static let expected: Expected = try! Fixtures(Bundle.module).decode(Expected.self, from: "weights/expected.json")

    private func url(_ name: String) -> URL { Self.directory.appendingPathComponent(name) }

    /// Loads `name` and checks format, names, shapes and every value's bits against the script.
    @discardableResult
    private func assertLoadsAsWritten(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> StateDict
    {
        let expected = try XCTUnwrap(Self.expected.files[name], "no expectations for \(name)", file: file, line: line)
        let state = try StateDict.load(url(name))
        XCTAssertEqual(state.format.rawValue, expected.format, name, file: file, line: line)
        XCTAssertEqual(state.activation?.rawValue, expected.activation, name, file: file, line: line)
        XCTAssertEqual(Set(state.tensors.keys), Set(expected.tensors.keys), name, file: file, line: line)
        for (tensorName, values) in expected.tensors {
            guard let tensor = state.tensors[tensorName] else { continue }
            XCTAssertEqual(tensor.shape, values.shape, "\(name): \(tensorName)", file: file, line: line)
            XCTAssertEqual(
                tensor.values.map(\.bitPattern), values.bits, "\(name): \(tensorName)", file: file, line: line)
        }
        return state
    }

    private func loadError(_ url: URL, file: StaticString = #filePath, line: UInt = #line) -> WeightError? {
        do {
            _ = try StateDict.load(url)
            XCTFail("\(url.lastPathComponent) loaded but should not", file: file, line: line)
            return nil
        } catch let error as WeightError {
            return error
        } catch {
            XCTFail("\(url.lastPathComponent): unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    // MARK: Good files

    func testTorchScriptArchiveGivesItsStateDict() throws {
        let state = try assertLoadsAsWritten("script_clip.pt")
        // Plain tensor attributes are not state: OpenAI's text blocks keep attn_mask that way.
        XCTAssertFalse(state.contains("transformer.resblocks.0.attn_mask"))
        XCTAssertEqual(try state.tensor("input_resolution").item, 4, "int64 buffer converted")
        XCTAssertEqual(try state.tensor("visual.transformer.resblocks.0.attn.in_proj_weight").shape, [24, 8])
    }

    func testTorchSaveStateDictWithViewsAndSharedStorage() throws {
        let state = try assertLoadsAsWritten("state_dict.pt")
        // (2x3 matrix).t() saved as a view; its values (checked above) are the transpose, row-major.
        XCTAssertNoThrow(try state.expect("transposed", shape: [3, 2]))
        let first = try state.tensor("shared.first").values
        let second = try state.tensor("shared.second").values
        XCTAssertEqual(first[2], second[0], "both views read element 4 of one storage")
        XCTAssertEqual(try state.tensor("scalar", shape: []).item, 2.5)
        XCTAssertEqual(try state.tensor("bn.num_batches_tracked").item, 42)
    }

    func testWrappedAndPrefixedStateDicts() throws {
        for name in ["module_prefix.pt", "nested_state_dict.pt", "nested_model.pt"] {
            let state = try assertLoadsAsWritten(name)
            XCTAssertEqual(state.keys(withPrefix: ""), ["conv.bias", "conv.weight"], name)
        }
    }

    func testDeflatedAndZip64Archives() throws {
        try assertLoadsAsWritten("deflated.pt")
        try assertLoadsAsWritten("zip64.pt")
    }

    func testOpenCLIPSafetensors() throws {
        let state = try assertLoadsAsWritten("openclip.safetensors")
        XCTAssertNil(state.activation, "no config.json next to the file")
    }

    func testHuggingFaceNamesMapToOpenAI() throws {
        let state = try assertLoadsAsWritten("hf/model.safetensors")
        XCTAssertEqual(state.activation, .gelu)
        XCTAssertTrue(state.keys(withPrefix: "vision_model.").isEmpty)
        XCTAssertTrue(state.keys(withPrefix: "text_model.").isEmpty)
        XCTAssertEqual(try state.tensor("visual.proj").shape, [8, 4], "[width, embed], used as x @ proj")
        XCTAssertEqual(try state.tensor("visual.transformer.resblocks.1.attn.in_proj_weight").shape, [24, 8])
    }

    func testHuggingFaceAttentionStacksQueryKeyValueInOrder() throws {
        let width = 2
        func filled(_ value: Float) -> Tensor { Tensor(repeating: value, shape: [width, width]) }
        let block = "text_model.encoder.layers.0.self_attn."
        let mapped = try HuggingFaceCLIPNames.openAINamed(
            [
                block + "v_proj.weight": filled(3), block + "q_proj.weight": filled(1),
                block + "k_proj.weight": filled(2),
                "text_projection.weight": Tensor(shape: [1, 2], values: [5, 6]),
            ],
            file: "synthetic")
        XCTAssertEqual(
            mapped["transformer.resblocks.0.attn.in_proj_weight"]?.values, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        XCTAssertEqual(mapped["text_projection"]?.shape, [2, 1])
        XCTAssertThrowsError(
            try HuggingFaceCLIPNames.openAINamed([block + "q_proj.bias": Tensor(zeros: [2])], file: "synthetic")
        ) { error in
            guard case .missingTensor(_, let name, _)? = error as? WeightError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, block + "k_proj.bias")
        }
    }

    /// All 65,536 half-precision patterns against Swift's own Float16 -> Float conversion.
    func testEveryFloat16PatternConvertsExactly() throws {
        #if !(os(macOS) && arch(x86_64))
            let halves = (0...UInt16.max).map { $0 }
            var header = Array(#"{"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#.utf8)
            while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
            var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
            for half in halves { withUnsafeBytes(of: half.littleEndian) { bytes += $0 } }
            let url = try temporaryDirectory().appendingPathComponent("halves.safetensors")
            try Data(bytes).write(to: url)
            let values = try StateDict.load(url).tensor("all", shape: [65536]).values
            for half in halves {
                let reference = Float(Float16(bitPattern: half))
                if reference.isNaN {
                    XCTAssertTrue(
                        values[Int(half)].isNaN && values[Int(half)].sign == reference.sign,
                        "0x\(String(half, radix: 16))")
                } else {
                    XCTAssertEqual(values[Int(half)].bitPattern, reference.bitPattern, "0x\(String(half, radix: 16))")
                }
            }
        #endif
    }

    // MARK: Bad files

    func testTruncatedZipNamesTheStorageAndSizes() throws {
        let expected = Self.expected.errors.truncatedZip
        let file = url("bad/truncated.pt")
        let error = loadError(file)
        XCTAssertEqual(
            error,
            .truncated(
                file: file.path, item: "storage \(expected.storage!)", needed: expected.needed, offset: expected.offset,
                fileSize: expected.fileSize))
        XCTAssertTrue(
            error?.description.contains("is truncated: storage data/1 needs 16,384 bytes at offset") == true,
            "\(String(describing: error))")
    }

    func testArchivesCutElsewhereAreReportedTruncated() throws {
        let directory = try temporaryDirectory()
        // TorchScript writes data.pkl after the storages: the error names the entry cut short.
        // Cut one byte into storage 7: after its local header (30 bytes), name and padding.
        let script = [UInt8](try Data(contentsOf: url("script_clip.pt")))
        let entryName = Array("script_clip/data/7".utf8)
        let nameStart = try XCTUnwrap(
            (0...(script.count - entryName.count)).first {
                script[$0..<($0 + entryName.count)].elementsEqual(entryName)
            })
        let extraLength = Int(script[nameStart - 2]) | Int(script[nameStart - 1]) << 8
        let cutLength = nameStart + entryName.count + extraLength + 1
        let cutScript = directory.appendingPathComponent("script_clip.pt")
        try Data(script.prefix(cutLength)).write(to: cutScript)
        XCTAssertEqual(
            loadError(cutScript),
            .truncatedArchive(file: cutScript.path, fileSize: cutLength, cutEntry: "script_clip/data/7"))
        // Every storage whole but the zip directory at the end gone.
        let stateDict = try Data(contentsOf: url("state_dict.pt"))
        let cutDirectory = directory.appendingPathComponent("state_dict.pt")
        try stateDict.prefix(stateDict.count - 30).write(to: cutDirectory)
        XCTAssertEqual(
            loadError(cutDirectory),
            .truncatedArchive(file: cutDirectory.path, fileSize: stateDict.count - 30, cutEntry: nil))
    }

    func testTruncatedSafetensors() throws {
        let expected = Self.expected.errors.truncatedSafetensors
        let file = url("bad/truncated.safetensors")
        XCTAssertEqual(
            loadError(file),
            .truncated(
                file: file.path, item: "tensor \(expected.tensor!)", needed: expected.needed, offset: expected.offset,
                fileSize: expected.fileSize))
    }

    func testNotACheckpoint() {
        let file = url("bad/not_a_checkpoint.txt")
        let error = loadError(file)
        XCTAssertEqual(error, .notACheckpoint(file: file.path))
        XCTAssertEqual(error?.description, "\(file.path) is not a PyTorch checkpoint (zip) or safetensors file")
    }

    func testZipWithoutDataPickle() {
        let file = url("bad/no_data_pkl.zip")
        XCTAssertEqual(loadError(file), .noPickle(file: file.path))
    }

    func testUnknownDType() {
        let file = url("bad/unknown_dtype.safetensors")
        XCTAssertEqual(loadError(file), .unsupportedDType(file: file.path, tensor: "weight", dtype: "F8_E4M3"))
    }

    func testLegacyTorchSave() {
        let file = url("bad/legacy.pt")
        let error = loadError(file)
        XCTAssertEqual(error, .legacyTorchSave(file: file.path))
        let advice =
            "legacy torch.save format (PyTorch < 1.6) is not supported; "
            + "re-save with torch.save(obj, path) in PyTorch >= 1.6"
        XCTAssertEqual(error?.description, "\(file.path): \(advice)")
    }

    func testMaliciousPicklesAreRefusedWithoutRunningAnything() throws {
        let refusals = [
            ("bad/malicious.pt", Self.expected.errors.malicious),
            ("bad/malicious_stack_global.pt", Self.expected.errors.maliciousStackGlobal),
        ]
        for (name, refusal) in refusals {
            try? FileManager.default.removeItem(atPath: refusal.marker)
            let file = url(name)
            let error = loadError(file)
            let dot = refusal.global.lastIndex(of: ".")!
            XCTAssertEqual(
                error,
                .refusedGlobal(
                    file: file.path, module: String(refusal.global[..<dot]),
                    name: String(refusal.global[refusal.global.index(after: dot)...])))
            XCTAssertEqual(
                error?.description,
                "refusing to load \(refusal.global) from \(file.path): not a known tensor type "
                    + "(the file may be malicious or not a checkpoint)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: refusal.marker), "\(name) ran its payload")
        }
    }

    func testMissingFile() {
        let file = url("does-not-exist.pt")
        guard case .unreadable? = loadError(file) else { return XCTFail("expected unreadable") }
    }

    // MARK: StateDict API

    func testLookupErrorsNameTheFileAndTensor() throws {
        var state = try StateDict.load(url("script_clip.pt"))
        let path = url("script_clip.pt").path
        XCTAssertNoThrow(try state.expect("visual.conv1.weight", shape: [8, 3, 2, 2]))
        XCTAssertThrowsError(try state.tensor("visual.conv1.weight", shape: [8, 3, 4, 4])) { error in
            XCTAssertEqual(
                error as? WeightError,
                .shapeMismatch(file: path, name: "visual.conv1.weight", expected: [8, 3, 4, 4], actual: [8, 3, 2, 2]))
        }
        XCTAssertThrowsError(try state.tensor("visual.transformer.resblocks.1.ln_1.weight")) { error in
            guard case .missingTensor(let file, let name, let similar)? = error as? WeightError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(file, path)
            XCTAssertEqual(name, "visual.transformer.resblocks.1.ln_1.weight")
            XCTAssertTrue(similar.allSatisfy { $0.hasPrefix("visual.transformer.resblocks.") }, "\(similar)")
            XCTAssertFalse(similar.isEmpty)
        }
        XCTAssertEqual(
            state.keys(withPrefix: "visual.ln_"),
            [
                "visual.ln_post.bias", "visual.ln_post.weight",
                "visual.ln_pre.bias", "visual.ln_pre.weight",
            ])
        XCTAssertNotNil(state.remove("logit_scale"))
        XCTAssertFalse(state.contains("logit_scale"))
        state.removeAll(withPrefix: "transformer.")
        XCTAssertTrue(state.keys(withPrefix: "transformer.").isEmpty)
        XCTAssertFalse(state.keys(withPrefix: "visual.transformer.").isEmpty)
    }
}
