import Foundation
import Models
import TestSupport
import XCTest

/// CLIPTokenizer against open_clip's tokenizer: Fixtures/tokenizer/clip_tokenizer.json, written by
/// Tools/fixtures/make_tokenizer_fixtures.py, holds the reference's ids for some 650 prompts.
final class TokenizerTests: XCTestCase {
    private struct Fixture: Decodable {
        var reference: String
        var contextLength: Int
        var cases: [Case]
        var contextCases: [Case]

        enum CodingKeys: String, CodingKey {
            case reference, cases
            case contextLength = "context_length"
            case contextCases = "context_cases"
        }
    }

    private struct Case: Decodable {
        var text: String
        /// `SimpleTokenizer.encode`; only in `cases`.
        var encode: [Int]?
        /// `tokenize(text, context_length)`.
        var ids: [Int]
        var truncated: Bool
        /// `torch.argmax` of the ids.
        var argmax: Int
        /// Only in `contextCases`; `cases` use the fixture's.
        var contextLength: Int?

        enum CodingKeys: String, CodingKey {
            case text, encode, ids, truncated, argmax
            case contextLength = "context_length"
        }
    }

    private static let loaded = Result { try CLIPTokenizer.standard() }

    private static let fixture = Result { () throws -> Fixture in
        try Fixtures(Bundle.module).decode(Fixture.self, from: "tokenizer/clip_tokenizer.json")
    }

    private var tokenizer: CLIPTokenizer { get throws { try Self.loaded.get() } }

    func testFixtureCoversWhatItShould() throws {
        let fixture = try Self.fixture.get()
        XCTAssertEqual(fixture.contextLength, 77)
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 300)
        let lengths = fixture.cases.map { $0.encode!.count + 2 }
        for length in 74...80 {
            XCTAssertTrue(lengths.contains(length), "no prompt of \(length) tokens")
        }
        XCTAssertTrue(fixture.cases.contains { $0.text.isEmpty })
    }

    func testEncodeMatchesReference() throws {
        let tokenizer = try tokenizer
        var mismatches = [String]()
        for item in try Self.fixture.get().cases {
            let ids = tokenizer.encode(item.text)
            if ids != item.encode {
                mismatches.append(
                    "\(item.text.debugDescription): expected \(item.encode!), got \(ids) "
                        + "(\(tokenizer.decode(ids).debugDescription))")
            }
        }
        XCTAssertTrue(
            mismatches.isEmpty, "\(mismatches.count) prompts differ:\n" + mismatches.prefix(10).joined(separator: "\n"))
    }

    func testTokenizeMatchesReference() throws {
        let fixture = try Self.fixture.get()
        try assertTokenizeMatches(fixture.cases, defaultContextLength: fixture.contextLength)
    }

    func testOtherContextLengthsMatchReference() throws {
        let fixture = try Self.fixture.get()
        XCTAssertFalse(fixture.contextCases.isEmpty)
        try assertTokenizeMatches(fixture.contextCases, defaultContextLength: fixture.contextLength)
    }

    private func assertTokenizeMatches(_ cases: [Case], defaultContextLength: Int) throws {
        let tokenizer = try tokenizer
        var mismatches = [String]()
        for item in cases {
            let contextLength = item.contextLength ?? defaultContextLength
            let prompt = tokenizer.tokenize(item.text, contextLength: contextLength)
            let argmax = prompt.ids.firstIndex(of: prompt.ids.max()!)  // torch.argmax: the first maximum
            if prompt.ids != item.ids || prompt.wasTruncated != item.truncated || prompt.endIndex != item.argmax
                || prompt.endIndex != argmax
            {
                mismatches.append(
                    "\(item.text.debugDescription) (context \(contextLength)): expected \(item.ids), truncated "
                        + "\(item.truncated), end at \(item.argmax); got \(prompt.ids), \(prompt.wasTruncated), "
                        + "\(prompt.endIndex)")
            }
        }
        XCTAssertTrue(
            mismatches.isEmpty, "\(mismatches.count) prompts differ:\n" + mismatches.prefix(10).joined(separator: "\n"))
    }

    func testLongPromptKeepsStartAndEndTokens() throws {
        let prompt = try tokenizer.tokenize(String(repeating: "word ", count: 100))
        XCTAssertTrue(prompt.wasTruncated)
        XCTAssertEqual(prompt.ids.count, 77)
        XCTAssertEqual(prompt.ids.first, CLIPTokenizer.startOfTextID)
        XCTAssertEqual(prompt.ids.last, CLIPTokenizer.endOfTextID)
        XCTAssertEqual(prompt.endIndex, 76)
    }

    func testShortPromptIsPaddedWithZeros() throws {
        let prompt = try tokenizer.tokenize("a photo of a cat")
        XCTAssertEqual(Array(prompt.ids.prefix(7)), [49406, 320, 1125, 539, 320, 2368, 49407])
        XCTAssertEqual(prompt.ids.count, 77)
        XCTAssertTrue(prompt.ids[7...].allSatisfy { $0 == 0 })
        XCTAssertEqual(prompt.endIndex, 6)
        XCTAssertFalse(prompt.wasTruncated)
    }

    func testDecodeSpellsTheCleanedText() throws {
        let tokenizer = try tokenizer
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("Hello,   World!")), "hello , world ! ")
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("Crème brûlée 🍮")), "crème brûlée 🍮 ")
        XCTAssertEqual(
            tokenizer.decode([CLIPTokenizer.startOfTextID, 2368, CLIPTokenizer.endOfTextID]),
            "<start_of_text>cat <end_of_text>")
        XCTAssertEqual(tokenizer.decode([-1, 49408, 2368]), "cat ")
    }

    func testMissingVocabularyIsAnErrorNamingTheFile() {
        let path = "/nonexistent/bpe_simple_vocab_16e6.txt.gz"
        XCTAssertThrowsError(try CLIPTokenizer(vocabularyURL: URL(fileURLWithPath: path))) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("\(path): cannot read"), "\(error)")
        }
    }

    func testCorruptVocabularyIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let notGzip = directory.appendingPathComponent("plain.txt.gz")
        try Data("\"bpe_simple_vocab_16e6.txt#version: 0.2\ni n\n".utf8).write(to: notGzip)
        XCTAssertThrowsError(try CLIPTokenizer(vocabularyURL: notGzip)) { error in
            XCTAssertTrue(String(describing: error).contains("not valid gzip data"), "\(error)")
        }

        let bundled = try Data(contentsOf: Self.sourceVocabularyURL)
        let truncated = directory.appendingPathComponent("truncated.txt.gz")
        try bundled.prefix(bundled.count / 2).write(to: truncated)
        XCTAssertThrowsError(try CLIPTokenizer(vocabularyURL: truncated)) { error in
            XCTAssertTrue(String(describing: error).contains("ends early"), "\(error)")
        }
    }

    func testVocabularyWithTooFewMergesIsAnError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).txt.gz")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(Self.gzipStored(Array("\"bpe_simple_vocab_16e6.txt#version: 0.2\ni n\nt h\n".utf8))).write(to: file)
        XCTAssertThrowsError(try CLIPTokenizer(vocabularyURL: file)) { error in
            XCTAssertTrue(String(describing: error).contains("has 2 merge lines; CLIP needs 48894"), "\(error)")
        }
    }

    /// A gzip file holding `bytes` in one stored (uncompressed) deflate block.
    private static func gzipStored(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count <= 0xFFFF)
        func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        let length = UInt16(bytes.count)
        return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 1] + littleEndian(length) + littleEndian(~length) + bytes
            + littleEndian(~crc) + littleEndian(UInt32(bytes.count))
    }

    /// The vocabulary in the source tree, the file SwiftPM bundles.
    private static let sourceVocabularyURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Sources/Models/Resources/bpe_simple_vocab_16e6.txt.gz")
}
