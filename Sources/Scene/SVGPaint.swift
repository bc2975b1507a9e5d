import Foundation

/// A `fill` or `stroke` value, and the CSS colour syntax inside it.
enum SVGPaint: Equatable {
    case none
    case color(RGBA)
    /// The element's `color` property, resolved where the paint is used.
    case currentColor

    /// Parses a paint value. Gradient and pattern references (`url(#id)`) are not supported:
    /// their fallback colour is used if one is given, otherwise none, and `warn` says so.
    static func parse(_ text: String, warn: (String) -> Void) throws -> SVGPaint {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if value == "none" { return .none }
        if value == "currentColor" { return .currentColor }
        if value.hasPrefix("url(") {
            let fallback =
                value.firstIndex(of: ")").map {
                    value[value.index(after: $0)...].trimmingCharacters(in: .whitespacesAndNewlines)
                } ?? ""
            let substitute = fallback.isEmpty ? "none" : fallback
            warn("gradient and pattern paints are not supported; \(value) drawn as \(substitute)")
            return fallback.isEmpty ? .none : try parse(fallback, warn: warn)
        }
        return .color(try parseColor(value))
    }

    /// CSS colours: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()` / `rgba()` with numbers
    /// (0–255) or percentages, and the basic colour names.
    static func parseColor(_ text: String) throws -> RGBA {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if value.hasPrefix("#") {
            return try hexColor(value)
        }
        if value.hasPrefix("rgb(") || value.hasPrefix("rgba("), value.hasSuffix(")") {
            return try functionalColor(value)
        }
        if let named = namedColors[value] {
            return named
        }
        throw SceneError(.malformedSVG, "unknown colour \"\(text)\"")
    }

    private static func hexColor(_ value: String) throws -> RGBA {
        let digits = value.dropFirst().map { $0.hexDigitValue }
        guard [3, 4, 6, 8].contains(digits.count), !digits.contains(nil) else {
            throw SceneError(.malformedSVG, "\"\(value)\" is not a hex colour (#rgb or #rrggbb)")
        }
        let nibbles = digits.map { $0! }
        let bytes =
            nibbles.count <= 4
            ? nibbles.map { $0 * 17 }
            : stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] * 16 + nibbles[$0 + 1] }
        let channels = bytes.map { Float($0) / 255 }
        return RGBA(channels[0], channels[1], channels[2], channels.count == 4 ? channels[3] : 1)
    }

    /// `rgb(255, 0, 0)`, `rgb(100%, 0%, 0%)`, `rgba(255, 0, 0, 0.5)` and the space-separated
    /// form `rgb(255 0 0 / 50%)`.
    private static func functionalColor(_ value: String) throws -> RGBA {
        let inside = value[value.index(after: value.firstIndex(of: "(")!)..<value.index(before: value.endIndex)]
        let parts = inside.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "/" || $0.isWhitespace })
        guard parts.count == 3 || parts.count == 4 else {
            throw SceneError(.malformedSVG, "\"\(value)\" needs three or four channel values")
        }
        var channels: [Float] = []
        for (index, part) in parts.enumerated() {
            let isPercent = part.hasSuffix("%")
            let number = isPercent ? part.dropLast() : part
            let isAlpha = index == 3
            let channel: Float? =
                isPercent ? DecimalText.fromPercent(number) : Float(number).map { isAlpha ? $0 : $0 / 255 }
            guard let channel, channel.isFinite else {
                throw SceneError(.malformedSVG, "\"\(value)\": \"\(part)\" is not a number")
            }
            channels.append(min(max(channel, 0), 1))
        }
        return RGBA(channels[0], channels[1], channels[2], channels.count == 4 ? channels[3] : 1)
    }

    private static let namedColors: [String: RGBA] = [
        "black": RGBA(0, 0, 0), "white": RGBA(1, 1, 1), "red": RGBA(1, 0, 0),
        "green": RGBA(0, 128 / 255, 0), "lime": RGBA(0, 1, 0), "blue": RGBA(0, 0, 1),
        "yellow": RGBA(1, 1, 0), "cyan": RGBA(0, 1, 1), "aqua": RGBA(0, 1, 1),
        "magenta": RGBA(1, 0, 1), "fuchsia": RGBA(1, 0, 1), "gray": RGBA(128 / 255, 128 / 255, 128 / 255),
        "grey": RGBA(128 / 255, 128 / 255, 128 / 255), "silver": RGBA(192 / 255, 192 / 255, 192 / 255),
        "maroon": RGBA(128 / 255, 0, 0), "olive": RGBA(128 / 255, 128 / 255, 0),
        "navy": RGBA(0, 0, 128 / 255), "purple": RGBA(128 / 255, 0, 128 / 255),
        "teal": RGBA(0, 128 / 255, 128 / 255), "orange": RGBA(1, 165 / 255, 0),
        "transparent": RGBA(0, 0, 0, 0),
    ]
}
