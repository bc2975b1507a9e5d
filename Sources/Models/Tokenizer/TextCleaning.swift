import Foundation

/// The text cleaning CLIP applies before BPE: open_clip's `_clean_lower`, the same as OpenAI's
/// `simple_tokenizer`:
///
///     text = ftfy.fix_text(text)
///     text = html.unescape(html.unescape(text)).strip()
///     text = " ".join(text.split()).lower()
///
/// Everything works on Unicode scalars, as Python's `str` does, never on Swift's grapheme
/// clusters. Of `ftfy.fix_text` (ftfy 6.3, default settings) we do everything except its mojibake
/// repair (`fix_encoding`): text that was UTF-8 decoded as Windows-1252 or Latin-1 ("cafÃ©")
/// stays as it is, where ftfy would restore it ("café"). Lone surrogates, which ftfy also
/// repairs, cannot occur in a Swift string. HTML entities are decoded for the HTML 4 names (all
/// 252 of them, which include every name people type: `&amp;`, `&nbsp;`, `&eacute;`, `&hellip;`,
/// `&mdash;`, `&copy;`...) and `&apos;`; the 2,000 further HTML5 names (`&NotNestedLessLess;`)
/// are left as typed, where Python decodes them. Numeric references (`&#39;`, `&#x27;`) are
/// decoded exactly as Python does, invalid ones included. Note that ftfy straightens curly quotes
/// by default (`uncurl_quotes`), so “it’s” is read as "it's".
enum TextCleaning {
    static func clean(_ text: String) -> String {
        var scalars = fixText(Array(text.unicodeScalars))
        scalars = htmlUnescape(htmlUnescape(scalars))
        let words = scalars.split(whereSeparator: isPythonWhitespace)
        var joined = [Unicode.Scalar]()
        for (index, word) in words.enumerated() {
            if index > 0 { joined.append(" ") }
            joined.append(contentsOf: word)
        }
        var cleaned = String.UnicodeScalarView()
        cleaned.append(contentsOf: pythonLowercased(joined))
        return String(cleaned)
    }
}

// MARK: - ftfy.fix_text

extension TextCleaning {
    /// `ftfy.fix_text`: fixes each line on its own. As in ftfy, HTML entities are decoded only
    /// until a line containing `<` is seen (then the text is taken to be HTML source, where `&lt;`
    /// must stay); that decision carries over to the lines after it.
    static func fixText(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var fixed = [Unicode.Scalar]()
        var decodesEntities = true
        var lineStart = 0
        while lineStart < text.count {
            let lineEnd = text[lineStart...].firstIndex(of: "\n").map { $0 + 1 } ?? text.count
            let line = Array(text[lineStart..<lineEnd])
            if line.contains("<") { decodesEntities = false }
            fixed.append(contentsOf: fixSegment(line, decodesEntities: decodesEntities))
            lineStart = lineEnd
        }
        return fixed
    }

    /// `ftfy.fix_and_explain`: runs the fixers in ftfy's order until the text stops changing.
    private static func fixSegment(_ segment: [Unicode.Scalar], decodesEntities: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let before = text
            if decodesEntities { text = ftfyUnescapeHTML(text) }
            text = fixC1Controls(text)
            text = replacingLigaturesAndWideForms(text)
            text = text.map(uncurlQuote)
            text = fixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = text.filter { !isRemovedControl($0) }
            text = nfc(text)
            if text == before { return text }
        }
    }

    /// ftfy's `unescape_html`: decodes `&name;` and `&#number;` (no other forms), and also the
    /// upper-cased forms of lower-case names (`&EACUTE;` is "É"), which the `html` module leaves.
    private static func ftfyUnescapeHTML(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var result = [Unicode.Scalar]()
        var index = 0
        while index < text.count {
            guard text[index] == "&", let end = ftfyEntityEnd(text, at: index) else {
                result.append(text[index])
                index += 1
                continue
            }
            let reference = Array(text[index..<end])
            result.append(contentsOf: ftfyDecode(reference) ?? reference)
            index = end
        }
        return result
    }

    /// The end of a match of ftfy's `&#?[0-9A-Za-z]{1,24};` at `start`, if there is one.
    private static func ftfyEntityEnd(_ text: [Unicode.Scalar], at start: Int) -> Int? {
        var index = start + 1
        if index < text.count, text[index] == "#" { index += 1 }
        let nameStart = index
        while index < text.count, index - nameStart < 25, isASCIIAlphanumeric(text[index]) { index += 1 }
        guard (1...24).contains(index - nameStart), index < text.count, text[index] == ";" else { return nil }
        return index + 1
    }

    private static func ftfyDecode(_ reference: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        if reference[1] == "#" {
            // A numeric reference counts only if `html.unescape` decodes all of it.
            let decoded = htmlUnescape(reference)
            return decoded.contains(";") ? nil : decoded
        }
        let name = String(String.UnicodeScalarView(reference.dropFirst().dropLast()))
        if let value = namedReferences[name] { return Array(value.unicodeScalars) }
        let lowercased = name.lowercased()
        if name != lowercased, name == lowercased.uppercased(), let value = namedReferences[lowercased] {
            return Array(value.uppercased().unicodeScalars)
        }
        return nil
    }

    /// ftfy's `fix_latin_ligatures` and `fix_character_width`, in one pass.
    private static func replacingLigaturesAndWideForms(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result = [Unicode.Scalar]()
        result.reserveCapacity(text.count)
        for scalar in text {
            switch scalar.value {
            case 0x0132...0x01F3, 0xFB00...0xFB06:
                result.append(contentsOf: latinLigatures[scalar.value] ?? [scalar])
            case 0x3000, 0xFF01...0xFFEF:
                result.append(contentsOf: characterWidthMap[scalar.value] ?? [scalar])
            default:
                result.append(scalar)
            }
        }
        return result
    }

    /// ftfy's `fix_c1_controls`: U+0080...U+009F are Windows-1252 bytes decoded as Latin-1.
    private static func fixC1Controls(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.map { (0x80...0x9F).contains($0.value) ? windows1252HighControls[Int($0.value - 0x80)] : $0 }
    }

    /// ftfy's `uncurl_quotes` (on by default): ʼ ‘ ’ ‚ ‛ become ' and “ ” „ ‟ become ".
    private static func uncurlQuote(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x02BC, 0x2018...0x201B: return "'"
        case 0x201C...0x201F: return "\""
        default: return scalar
        }
    }

    /// ftfy's `fix_line_breaks`: CR LF, CR, U+2028, U+2029 and U+0085 become LF.
    private static func fixLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result = [Unicode.Scalar]()
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            let scalar = text[index]
            switch scalar.value {
            case 0x0D:
                result.append("\n")
                if index + 1 < text.count, text[index + 1] == "\n" { index += 1 }
            case 0x2028, 0x2029, 0x85: result.append("\n")
            default: result.append(scalar)
            }
            index += 1
        }
        return result
    }

    /// ftfy's `remove_terminal_escapes`: ANSI colour and cursor codes, ESC [ (digits|;)* letter.
    private static func removeTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var result = [Unicode.Scalar]()
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                var end = index + 2
                while end < text.count, text[end] == ";" || text[end].properties.generalCategory == .decimalNumber {
                    end += 1
                }
                if end < text.count, isASCIILetter(text[end]) {
                    index = end + 1
                    continue
                }
            }
            result.append(text[index])
            index += 1
        }
        return result
    }

    /// ftfy's `remove_control_chars`: C0 controls other than tab, LF, FF and CR; DEL; the
    /// deprecated format characters U+206A...U+206F; the byte-order mark; interlinear annotation
    /// and object replacement marks U+FFF9...U+FFFC.
    private static func isRemovedControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }

    private static func nfc(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Below U+0300 (Latin, before the combining marks) every text is already in NFC.
        guard text.contains(where: { $0.value >= 0x300 }) else { return text }
        let string = String(String.UnicodeScalarView(text))
        return Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// ftfy's `fix_latin_ligatures`: typographic ligatures and digraphs spelt out.
    private static let latinLigatures: [UInt32: [Unicode.Scalar]] = [
        0x0132: ["I", "J"], 0x0133: ["i", "j"], 0x0149: ["\u{02BC}", "n"],
        0x01F1: ["D", "Z"], 0x01F2: ["D", "z"], 0x01F3: ["d", "z"],
        0x01C4: ["D", "\u{017D}"], 0x01C5: ["D", "\u{017E}"], 0x01C6: ["d", "\u{017E}"],
        0x01C7: ["L", "J"], 0x01C8: ["L", "j"], 0x01C9: ["l", "j"],
        0x01CA: ["N", "J"], 0x01CB: ["N", "j"], 0x01CC: ["n", "j"],
        0xFB00: ["f", "f"], 0xFB01: ["f", "i"], 0xFB02: ["f", "l"], 0xFB03: ["f", "f", "i"],
        0xFB04: ["f", "f", "l"], 0xFB05: ["\u{017F}", "t"], 0xFB06: ["s", "t"],
    ]

    /// ftfy's `fix_character_width`: fullwidth and halfwidth forms (U+FF01...U+FFEF) replaced by
    /// their compatibility equivalents, and the ideographic space U+3000 by a space.
    private static let characterWidthMap: [UInt32: [Unicode.Scalar]] = {
        var map: [UInt32: [Unicode.Scalar]] = [0x3000: [" "]]
        for value in UInt32(0xFF01)..<0xFFF0 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let alternate = Array(String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars)
            if alternate != [scalar] { map[value] = alternate }
        }
        return map
    }()

    /// Windows-1252's characters for bytes 0x80...0x9F; the five bytes it leaves undefined keep
    /// their Latin-1 control characters (ftfy's "sloppy" Windows-1252, also Python's `html`).
    private static let windows1252HighControls: [Unicode.Scalar] = [
        "\u{20AC}", "\u{81}", "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", "\u{8D}", "\u{017D}", "\u{8F}",
        "\u{90}", "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", "\u{9D}", "\u{017E}", "\u{0178}",
    ]
}

// MARK: - html.unescape

extension TextCleaning {
    /// Python's `html.unescape`: `&name;`, `&#number;` and `&#xhex;`, each `;` optional; a name
    /// without `;` decodes only for the legacy names, and as a prefix (`&copyright` is "©right").
    static func htmlUnescape(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var result = [Unicode.Scalar]()
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == "&", let (decoded, end) = characterReference(text, at: index) {
                result.append(contentsOf: decoded)
                index = end
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// The reference starting with the `&` at `start` and where it ends, following the pattern
    /// `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)`; nil where it does not match.
    private static func characterReference(_ text: [Unicode.Scalar], at start: Int) -> ([Unicode.Scalar], Int)? {
        var index = start + 1
        guard index < text.count else { return nil }
        if text[index] == "#" {
            index += 1
            var radix: UInt32 = 10
            if index < text.count, text[index] == "x" || text[index] == "X" {
                radix = 16
                index += 1
            }
            var number: UInt32 = 0
            let digitsStart = index
            while index < text.count, let digit = digitValue(text[index], radix: radix) {
                // Anything past U+10FFFF decodes alike, so the value saturates there.
                number = min(number * radix + digit, 0x11_0000)
                index += 1
            }
            guard index > digitsStart else { return nil }
            if index < text.count, text[index] == ";" { index += 1 }
            return (numericReference(number), index)
        }
        let nameStart = index
        while index < text.count, index - nameStart < 32, !isNameTerminator(text[index]) { index += 1 }
        guard index > nameStart else { return nil }
        var name = String(String.UnicodeScalarView(text[nameStart..<index]))
        if index < text.count, text[index] == ";" {
            index += 1
            if let value = namedReferences[name] { return (Array(value.unicodeScalars), index) }
            name += ";"
        } else if legacyNames.contains(name), let value = namedReferences[name] {
            return (Array(value.unicodeScalars), index)
        }
        // The longest legacy name the text starts with, the rest kept as typed.
        let typed = Array(name.unicodeScalars)
        for length in stride(from: typed.count - 1, through: 2, by: -1) {
            let prefix = String(String.UnicodeScalarView(typed[..<length]))
            if legacyNames.contains(prefix), let value = namedReferences[prefix] {
                return (Array(value.unicodeScalars) + typed[length...], index)
            }
        }
        return (["&"] + typed, index)
    }

    /// What Python's `html.unescape` makes of `&#number;`: the HTML5 rules for invalid numbers.
    private static func numericReference(_ number: UInt32) -> [Unicode.Scalar] {
        switch number {
        case 0x00: return ["\u{FFFD}"]
        case 0x0D: return ["\r"]
        case 0x80...0x9F: return [windows1252HighControls[Int(number - 0x80)]]
        case 0xD800...0xDFFF, 0x11_0000...: return ["\u{FFFD}"]
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0xFDD0...0xFDEF: return []
        case _ where number & 0xFFFE == 0xFFFE: return []
        default: return [Unicode.Scalar(number)!]
        }
    }

    private static func isNameTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\u{0C}", " ", "<", "&", "#", ";": return true
        default: return false
        }
    }

    private static func digitValue(_ scalar: Unicode.Scalar, radix: UInt32) -> UInt32? {
        radix == 16 ? hexDigitValue(scalar) : (("0"..."9").contains(scalar) ? scalar.value - 0x30 : nil)
    }

    private static func hexDigitValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": return scalar.value - 0x30
        case "a"..."f": return scalar.value - 0x61 + 10
        case "A"..."F": return scalar.value - 0x41 + 10
        default: return nil
        }
    }
}

// MARK: - Python's str.split, str.strip and str.lower

extension TextCleaning {
    /// Python's `str.isspace`: Unicode White_Space plus the information separators U+001C...U+001F.
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
            0x3000:
            return true
        default: return false
        }
    }

    /// Python's `str.lower`: full lower-case mappings (İ becomes i + U+0307), and Σ becomes final
    /// ς at the end of a word. Python 3.11 to 3.13 have Unicode 14.0 to 15.1 (which add no case
    /// mappings to one another); letters added since, such as Garay's, keep their case there, and
    /// so here.
    static func pythonLowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result = [Unicode.Scalar]()
        result.reserveCapacity(text.count)
        for (index, scalar) in text.enumerated() {
            if scalar.isASCII {
                result.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else if scalar == "\u{03A3}" {
                result.append(isFinalSigma(text, at: index) ? "\u{03C2}" : "\u{03C3}")
            } else if knownToPython(scalar) {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return result
    }

    /// Unicode's Final_Sigma condition, as CPython tests it: a cased letter before (skipping
    /// case-ignorable ones), and none after.
    private static func isFinalSigma(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        let before = text[..<index].last(where: { !isCaseIgnorable($0) })
        guard let before, isCased(before) else { return false }
        let after = text[(index + 1)...].first(where: { !isCaseIgnorable($0) })
        return after.map { !isCased($0) } ?? true
    }

    private static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        knownToPython(scalar) && scalar.properties.isCased
    }

    private static func isCaseIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        knownToPython(scalar) && scalar.properties.isCaseIgnorable
    }

    private static func knownToPython(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 15 || (age.major == 15 && age.minor <= 1)
    }
}

// MARK: - Character classes

extension TextCleaning {
    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || ("0"..."9").contains(scalar)
    }
}

// MARK: - HTML entity names

extension TextCleaning {
    /// The HTML 4 named character references, `&apos;`, and the upper-case spellings HTML5 also
    /// defines; values as in HTML5 (`&lang;` is ⟨ U+27E8, not HTML 4's U+2329).
    static let namedReferences: [String: String] = [
        "Aacute": "Á", "aacute": "á", "Acirc": "Â", "acirc": "â", "acute": "´", "AElig": "Æ", "aelig": "æ",
        "Agrave": "À", "agrave": "à", "alefsym": "ℵ", "Alpha": "Α", "alpha": "α", "AMP": "&", "amp": "&",
        "and": "∧", "ang": "∠", "apos": "'", "Aring": "Å", "aring": "å", "asymp": "≈", "Atilde": "Ã",
        "atilde": "ã", "Auml": "Ä", "auml": "ä", "bdquo": "„", "Beta": "Β", "beta": "β", "brvbar": "¦",
        "bull": "•", "cap": "∩", "Ccedil": "Ç", "ccedil": "ç", "cedil": "¸", "cent": "¢", "Chi": "Χ",
        "chi": "χ", "circ": "ˆ", "clubs": "♣", "cong": "≅", "COPY": "©", "copy": "©", "crarr": "↵",
        "cup": "∪", "curren": "¤", "Dagger": "‡", "dagger": "†", "dArr": "⇓", "darr": "↓", "deg": "°",
        "Delta": "Δ", "delta": "δ", "diams": "♦", "divide": "÷", "Eacute": "É", "eacute": "é", "Ecirc": "Ê",
        "ecirc": "ê", "Egrave": "È", "egrave": "è", "empty": "∅", "emsp": "\u{2003}", "ensp": "\u{2002}",
        "Epsilon": "Ε", "epsilon": "ε", "equiv": "≡", "Eta": "Η", "eta": "η", "ETH": "Ð", "eth": "ð",
        "Euml": "Ë", "euml": "ë", "euro": "€", "exist": "∃", "fnof": "ƒ", "forall": "∀", "frac12": "½",
        "frac14": "¼", "frac34": "¾", "frasl": "⁄", "Gamma": "Γ", "gamma": "γ", "ge": "≥", "GT": ">",
        "gt": ">", "hArr": "⇔", "harr": "↔", "hearts": "♥", "hellip": "…", "Iacute": "Í", "iacute": "í",
        "Icirc": "Î", "icirc": "î", "iexcl": "¡", "Igrave": "Ì", "igrave": "ì", "image": "ℑ", "infin": "∞",
        "int": "∫", "Iota": "Ι", "iota": "ι", "iquest": "¿", "isin": "∈", "Iuml": "Ï", "iuml": "ï",
        "Kappa": "Κ", "kappa": "κ", "Lambda": "Λ", "lambda": "λ", "lang": "⟨", "laquo": "«", "lArr": "⇐",
        "larr": "←", "lceil": "⌈", "ldquo": "“", "le": "≤", "lfloor": "⌊", "lowast": "∗", "loz": "◊",
        "lrm": "\u{200E}", "lsaquo": "‹", "lsquo": "‘", "LT": "<", "lt": "<", "macr": "¯", "mdash": "—",
        "micro": "µ", "middot": "·", "minus": "−", "Mu": "Μ", "mu": "μ", "nabla": "∇", "nbsp": "\u{A0}",
        "ndash": "–", "ne": "≠", "ni": "∋", "not": "¬", "notin": "∉", "nsub": "⊄", "Ntilde": "Ñ",
        "ntilde": "ñ", "Nu": "Ν", "nu": "ν", "Oacute": "Ó", "oacute": "ó", "Ocirc": "Ô", "ocirc": "ô",
        "OElig": "Œ", "oelig": "œ", "Ograve": "Ò", "ograve": "ò", "oline": "‾", "Omega": "Ω", "omega": "ω",
        "Omicron": "Ο", "omicron": "ο", "oplus": "⊕", "or": "∨", "ordf": "ª", "ordm": "º", "Oslash": "Ø",
        "oslash": "ø", "Otilde": "Õ", "otilde": "õ", "otimes": "⊗", "Ouml": "Ö", "ouml": "ö", "para": "¶",
        "part": "∂", "permil": "‰", "perp": "⊥", "Phi": "Φ", "phi": "φ", "Pi": "Π", "pi": "π", "piv": "ϖ",
        "plusmn": "±", "pound": "£", "Prime": "″", "prime": "′", "prod": "∏", "prop": "∝", "Psi": "Ψ",
        "psi": "ψ", "QUOT": "\"", "quot": "\"", "radic": "√", "rang": "⟩", "raquo": "»", "rArr": "⇒",
        "rarr": "→", "rceil": "⌉", "rdquo": "”", "real": "ℜ", "REG": "®", "reg": "®", "rfloor": "⌋",
        "Rho": "Ρ", "rho": "ρ", "rlm": "\u{200F}", "rsaquo": "›", "rsquo": "’", "sbquo": "‚", "Scaron": "Š",
        "scaron": "š", "sdot": "⋅", "sect": "§", "shy": "\u{AD}", "Sigma": "Σ", "sigma": "σ", "sigmaf": "ς",
        "sim": "∼", "spades": "♠", "sub": "⊂", "sube": "⊆", "sum": "∑", "sup": "⊃", "sup1": "¹",
        "sup2": "²", "sup3": "³", "supe": "⊇", "szlig": "ß", "Tau": "Τ", "tau": "τ", "there4": "∴",
        "Theta": "Θ", "theta": "θ", "thetasym": "ϑ", "thinsp": "\u{2009}", "THORN": "Þ", "thorn": "þ",
        "tilde": "˜", "times": "×", "TRADE": "™", "trade": "™", "Uacute": "Ú", "uacute": "ú", "uArr": "⇑",
        "uarr": "↑", "Ucirc": "Û", "ucirc": "û", "Ugrave": "Ù", "ugrave": "ù", "uml": "¨", "upsih": "ϒ",
        "Upsilon": "Υ", "upsilon": "υ", "Uuml": "Ü", "uuml": "ü", "weierp": "℘", "Xi": "Ξ", "xi": "ξ",
        "Yacute": "Ý", "yacute": "ý", "yen": "¥", "Yuml": "Ÿ", "yuml": "ÿ", "Zeta": "Ζ", "zeta": "ζ",
        "zwj": "\u{200D}", "zwnj": "\u{200C}",
    ]

    /// The names HTML also decodes without a closing `;` (Python's `html.entities.html5` keys
    /// without one).
    static let legacyNames: Set<String> = [
        "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil", "ETH",
        "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT", "Ntilde",
        "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN", "Uacute", "Ucirc",
        "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig", "agrave", "amp", "aring", "atilde",
        "auml", "brvbar", "ccedil", "cedil", "cent", "copy", "curren", "deg", "divide", "eacute", "ecirc",
        "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt", "iacute", "icirc", "iexcl", "igrave",
        "iquest", "iuml", "laquo", "lt", "macr", "micro", "middot", "nbsp", "not", "ntilde", "oacute",
        "ocirc", "ograve", "ordf", "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound", "quot",
        "raquo", "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc",
        "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
    ]
}
