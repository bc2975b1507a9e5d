/// Splits cleaned text into the pieces BPE encodes one at a time: CLIP's pattern
///
///     <start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// matched as Python's `regex.findall` does with IGNORECASE: at each position the first
/// alternative that matches wins, and a position where none matches (white space) is skipped.
/// Letters are general category L*, numbers N* (each digit is its own piece), and everything else
/// that is not white space runs together ("!!!", "...", "'" not followed by a contraction).
enum PreTokenizer {
    static func pieces(of text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces = [String]()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let end: Int
            if let literalEnd = literalEnd(scalars, at: index) {
                end = literalEnd
            } else if isLetter(scalar) {
                end = scalars[index...].firstIndex(where: { !isLetter($0) }) ?? scalars.count
            } else if isNumber(scalar) {
                end = index + 1
            } else if isOther(scalar) {
                end = scalars[index...].firstIndex(where: { !isOther($0) }) ?? scalars.count
            } else {
                index += 1
                continue
            }
            pieces.append(String(String.UnicodeScalarView(scalars[index..<end])))
            index = end
        }
        return pieces
    }

    /// The special tokens and contractions, in the pattern's order.
    private static let literals: [[Unicode.Scalar]] = [
        "<start_of_text>", "<end_of_text>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
    ].map { Array($0.unicodeScalars) }

    /// The end of the first literal alternative matching at `start`, compared case-insensitively.
    private static func literalEnd(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        guard scalars[start] == "<" || scalars[start] == "'" else { return nil }
        for literal in literals where start + literal.count <= scalars.count {
            let matches = zip(literal, scalars[start...]).allSatisfy { expected, found in
                caseFolded(found) == expected
            }
            if matches { return start + literal.count }
        }
        return nil
    }

    /// Simple case folding, as far as the literals need it: ASCII letters, and the long s (ſ),
    /// which `regex` folds to s.
    private static func caseFolded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if ("A"..."Z").contains(scalar) { return Unicode.Scalar(scalar.value + 32)! }
        return scalar == "\u{017F}" ? "s" : scalar
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    private static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("0"..."9").contains(scalar) }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `[^\s\p{L}\p{N}]`. Under IGNORECASE `regex` also counts U+0345 (combining ypogegrammeni)
    /// as a letter here, because it case-folds to ι, though `[\p{L}]` does not match it; so it
    /// matches no alternative and is skipped like white space.
    private static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.properties.isWhitespace && !isLetter(scalar) && !isNumber(scalar) && scalar != "\u{0345}"
    }
}
