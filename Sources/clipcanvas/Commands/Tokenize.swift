import ArgumentParser
import Foundation
import Models

/// `clipcanvas tokenize TEXT`: how CLIP's text encoder reads a prompt.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the CLIP tokens of a prompt.",
        discussion: """
            Prints the token ids the text encoder reads (start and end tokens included, the zero \
            padding left out), the text of each token (a trailing space marks the end of a word), \
            and whether the prompt was truncated. CLIP reads 77 tokens: a longer prompt loses its \
            tail, and a warning on stderr says where it was cut.
            """)

    @Argument(help: "The prompt, quoted.")
    var text: String

    @Flag(help: "Print one JSON object: ids, tokens, truncated, end_index, token_count, context_length.")
    var json = false

    @Option(help: "Tokens the text encoder reads, start and end included: 2 to \(Self.maximumContextLength) (CLIP's is 77).")
    var contextLength = CLIPTokenizer.defaultContextLength

    /// No CLIP variant reads more than a few hundred tokens (OpenAI's 77, Long-CLIP's 248).
    static let maximumContextLength = 4096

    func validate() throws {
        guard (2...Self.maximumContextLength).contains(contextLength) else {
            throw ValidationError(
                "--context-length must be between 2 (the start and end tokens) and \(Self.maximumContextLength), found \(contextLength)")
        }
    }

    func run() throws {
        let tokenizer = try CLIPTokenizer.standard()
        let prompt = tokenizer.tokenize(text, contextLength: contextLength)
        let tokenCount = tokenizer.encode(text).count + 2
        let ids = Array(prompt.ids.prefix(min(tokenCount, contextLength)))
        if prompt.wasTruncated {
            printToStandardError(truncationWarning(tokenizer: tokenizer, ids: ids, tokenCount: tokenCount))
        }
        let report = Report(
            ids: ids, tokens: ids.map { tokenizer.decode([$0]) }, truncated: prompt.wasTruncated,
            endIndex: prompt.endIndex, tokenCount: tokenCount, contextLength: contextLength)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("ids: " + ids.map(String.init).joined(separator: " "))
            print("tokens: " + report.tokens.map(quoted).joined(separator: " "))
            print(
                "truncated: " + (prompt.wasTruncated ? "yes, \(tokenCount) tokens cut to \(contextLength)" : "no"))
        }
    }

    /// "truncated after '…the last words kept'": the tail of what the encoder still reads.
    private func truncationWarning(tokenizer: CLIPTokenizer, ids: [Int], tokenCount: Int) -> String {
        let kept = ids.dropFirst().dropLast()
        let tail = tokenizer.decode(Array(kept.suffix(8))).trimmingCharacters(in: .whitespaces)
        return "warning: prompt is \(tokenCount) tokens; CLIP reads \(contextLength) "
            + "(\(contextLength - 2) word pieces + start/end); truncated after '\(kept.count > 8 ? "…" : "")\(tail)'"
    }

    private func quoted(_ token: String) -> String {
        let data = (try? JSONEncoder().encode(token)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private struct Report: Encodable {
        var ids: [Int]
        var tokens: [String]
        var truncated: Bool
        var endIndex: Int
        var tokenCount: Int
        var contextLength: Int

        enum CodingKeys: String, CodingKey {
            case ids, tokens, truncated
            case endIndex = "end_index"
            case tokenCount = "token_count"
            case contextLength = "context_length"
        }
    }
}
