/// Number formatting shared by the JSON and SVG writers. Both must round-trip every `Float`
/// exactly, so numbers are written from Swift's shortest round-tripping representation.
enum DecimalText {
    /// Shortest text that parses back to `value`: "0.1", "2" (not "2.0"), "1e-05".
    static func number(_ value: Float) -> String {
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// `value × 100` in plain decimal notation ("10" for 0.1, "0.001" for 1e-05), obtained by
    /// moving the decimal point of the shortest representation, so no rounding happens: a
    /// reader that moves it back (`fromPercent`) recovers `value` exactly.
    static func percent(_ value: Float) -> String {
        var (negative, digits, pointIndex) = decompose(value.description)
        pointIndex += 2
        if pointIndex <= 0 {
            digits = String(repeating: "0", count: 1 - pointIndex) + digits
            pointIndex = 1
        } else if pointIndex > digits.count {
            digits += String(repeating: "0", count: pointIndex - digits.count)
        }
        var whole = Substring(digits.prefix(pointIndex))
        var fraction = Substring(digits.dropFirst(pointIndex))
        while whole.count > 1, whole.first == "0" { whole = whole.dropFirst() }
        while fraction.last == "0" { fraction = fraction.dropLast() }
        let sign = negative && (whole != "0" || !fraction.isEmpty) ? "-" : ""
        return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The exact inverse of `percent`: parses `text` (any number syntax, e.g. "12.5" or "1e1")
    /// divided by 100 with a single rounding to `Float`.
    static func fromPercent(_ text: Substring) -> Float? {
        guard let exponentIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return Float(text + "e-2")
        }
        guard let exponent = Int(text[text.index(after: exponentIndex)...]) else { return nil }
        return Float(text[..<exponentIndex] + "e\(exponent - 2)")
    }

    /// Splits Swift's float description ("-1.5e-05", "0.1", "3.4028235e+38") into a sign, the
    /// digits without the point, and how many of those digits precede the point.
    private static func decompose(_ text: String) -> (negative: Bool, digits: String, pointIndex: Int) {
        var mantissa = Substring(text)
        var exponent = 0
        if let exponentIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<exponentIndex]
            exponent = Int(text[text.index(after: exponentIndex)...]) ?? 0
        }
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        return (negative, String(whole + fraction), whole.count + exponent)
    }
}
