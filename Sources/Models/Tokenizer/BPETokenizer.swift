import Foundation
import Synchronization

/// One prompt as CLIP's text tower reads it.
public struct TokenizedPrompt: Equatable, Sendable {
    /// `contextLength` ids: the start token, the prompt's BPE tokens, the end token, then zeros.
    public var ids: [Int]
    /// Whether the prompt had more tokens than fit, so that its tail was dropped.
    public var wasTruncated: Bool
    /// Where the end token is: the argmax of `ids`, the position whose feature the text tower
    /// pools. (An `<end_of_text>` typed in the prompt is the first end token, and wins.)
    public var endIndex: Int
}

/// CLIP's byte-level BPE tokenizer, matching OpenAI's `clip.simple_tokenizer` and open_clip's
/// `SimpleTokenizer` id for id (see `TextCleaning` for the few inputs where it cannot).
///
/// A prompt is cleaned (`TextCleaning`), split into words, numbers and punctuation runs
/// (`PreTokenizer`), and each piece's UTF-8 bytes are merged pair by pair, lowest merge rank first,
/// until no ranked pair is left. Results are cached per piece, as the reference does.
public final class CLIPTokenizer: Sendable {
    public static let startOfTextID = 49406
    public static let endOfTextID = 49407
    /// The context every released CLIP model reads: start, 75 BPE tokens, end.
    public static let defaultContextLength = 77

    /// Each id's spelling in the vocabulary file (bytes as `ByteEncoder` characters, a word's
    /// last token ending in `</w>`), for `decode`.
    private let spellings: [String]
    /// The id of each byte, and of each byte ending a word, indexed by the byte.
    private let byteIDs: [Int32]
    private let wordEndByteIDs: [Int32]
    /// The merge rules keyed by the pair of ids they join (`pairKey`).
    private let merges: [UInt64: Merge]
    /// Tokens of the pieces seen so far, keyed by UTF-8 bytes: Swift's `String` equality would
    /// conflate canonically equivalent pieces, which the reference encodes differently.
    private let cache = Mutex<[[UInt8]: [Int32]]>([:])

    private struct Merge {
        /// Lower merges first.
        var rank: Int32
        /// The id of the joined token.
        var joined: Int32
    }

    /// Loads a vocabulary in CLIP's format, `bpe_simple_vocab_16e6.txt.gz`.
    public init(vocabularyURL: URL) throws {
        let rules = try VocabularyFile.merges(at: vocabularyURL)
        // The vocabulary's order, as in the reference: bytes, word-final bytes, one token per merge
        // rule, then start and end. Where a spelling repeats, the later id is the one used.
        let byteSpellings = ByteEncoder.orderedBytes.map { ByteEncoder.spelling(of: [$0]) }
        let spellings =
            byteSpellings + byteSpellings.map { $0 + "</w>" } + rules.map { $0.first + $0.second }
            + ["<start_of_text>", "<end_of_text>"]
        var idForSpelling = [String: Int32](minimumCapacity: spellings.count)
        for (id, spelling) in spellings.enumerated() { idForSpelling[spelling] = Int32(id) }

        var merges = [UInt64: Merge](minimumCapacity: rules.count)
        for (rank, rule) in rules.enumerated() {
            guard let first = idForSpelling[rule.first], let second = idForSpelling[rule.second] else { continue }
            merges[Self.pairKey(first, second)] = Merge(
                rank: Int32(rank), joined: idForSpelling[rule.first + rule.second]!)
        }

        var byteIDs = [Int32](repeating: 0, count: 256)
        var wordEndByteIDs = [Int32](repeating: 0, count: 256)
        for byte in 0...0xFF {
            let spelling = ByteEncoder.spelling(of: [UInt8(byte)])
            byteIDs[byte] = idForSpelling[spelling]!
            wordEndByteIDs[byte] = idForSpelling[spelling + "</w>"]!
        }
        self.spellings = spellings
        self.byteIDs = byteIDs
        self.wordEndByteIDs = wordEndByteIDs
        self.merges = merges
    }

    /// The tokenizer with the vocabulary that ships with ClipCanvas.
    public static func standard() throws -> CLIPTokenizer {
        try CLIPTokenizer(vocabularyURL: VocabularyFile.bundledURL())
    }

    /// The prompt's BPE token ids, without start and end tokens or padding. `<start_of_text>`
    /// and `<end_of_text>` typed in the text become those tokens, as in the reference.
    public func encode(_ text: String) -> [Int] {
        var ids = [Int]()
        for piece in PreTokenizer.pieces(of: TextCleaning.clean(text)) {
            switch piece {
            case "<start_of_text>": ids.append(Self.startOfTextID)
            case "<end_of_text>": ids.append(Self.endOfTextID)
            default: ids.append(contentsOf: tokens(of: piece).lazy.map(Int.init))
            }
        }
        return ids
    }

    /// The prompt laid out for the text tower: start, tokens, end, zeros, `contextLength` in all.
    ///
    /// Truncation follows open_clip's `tokenize` (the same as OpenAI's `clip.tokenize` with
    /// `truncate=True`; without it OpenAI's raises): keep the first `contextLength` ids, start
    /// included, and overwrite the last with the end token, so the end token is always there.
    public func tokenize(_ text: String, contextLength: Int = defaultContextLength) -> TokenizedPrompt {
        precondition(contextLength >= 1, "a context holds at least the end token")
        var ids = [Self.startOfTextID] + encode(text) + [Self.endOfTextID]
        let wasTruncated = ids.count > contextLength
        if wasTruncated {
            ids.removeLast(ids.count - contextLength)
            ids[contextLength - 1] = Self.endOfTextID
        }
        ids += repeatElement(0, count: contextLength - ids.count)
        return TokenizedPrompt(
            ids: ids, wasTruncated: wasTruncated, endIndex: ids.firstIndex(of: Self.endOfTextID)!)
    }

    /// The text the ids spell, for debugging: as the reference, each word-final `</w>` becomes a
    /// space (so the text ends with one), and bytes that are not valid UTF-8 become U+FFFD.
    /// Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int]) -> String {
        var bytes = [UInt8]()
        for id in ids where spellings.indices.contains(id) {
            bytes.append(contentsOf: spellings[id].unicodeScalars.map { ByteEncoder.byte(for: $0)! })
        }
        // "</w>" is ASCII, so replacing it before decoding UTF-8 equals Python's replacing after.
        let wordEnd = Array("</w>".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == wordEnd[0], bytes[index...].starts(with: wordEnd) {
                text.append(0x20)
                index += wordEnd.count
            } else {
                text.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The BPE tokens of one piece of pre-tokenised text.
    private func tokens(of piece: String) -> [Int32] {
        let bytes = Array(piece.utf8)
        if let cached = cache.withLock({ $0[bytes] }) { return cached }
        var word = bytes.dropLast().map { byteIDs[Int($0)] } + [wordEndByteIDs[Int(bytes.last!)]]
        while word.count > 1 {
            var best: (first: Int32, second: Int32, merge: Merge)?
            for position in 0..<(word.count - 1) {
                let first = word[position]
                let second = word[position + 1]
                if let merge = merges[Self.pairKey(first, second)], merge.rank < best?.merge.rank ?? .max {
                    best = (first, second, merge)
                }
            }
            guard let best else { break }
            // Join every occurrence of the pair, left to right.
            var joined = [Int32]()
            joined.reserveCapacity(word.count - 1)
            var position = 0
            while position < word.count {
                if position + 1 < word.count, word[position] == best.first, word[position + 1] == best.second {
                    joined.append(best.merge.joined)
                    position += 2
                } else {
                    joined.append(word[position])
                    position += 1
                }
            }
            word = joined
        }
        cache.withLock { $0[bytes] = word }
        return word
    }

    private static func pairKey(_ first: Int32, _ second: Int32) -> UInt64 {
        UInt64(UInt32(first)) << 32 | UInt64(UInt32(second))
    }
}
