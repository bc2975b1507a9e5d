import Foundation

/// The painting properties an element inherits from its ancestors, with SVG's initial values.
///
/// Group `opacity` is folded into the fill and stroke alpha of every descendant. That is exact
/// for a single path without overlapping fill and stroke, and an approximation for groups
/// whose children overlap (SVG composites the group first).
struct SVGStyle {
    var fill: SVGPaint = .color(.black)
    var fillOpacity: Float = 1
    var fillRule: FillRule = .nonZero
    var stroke: SVGPaint = .none
    var strokeOpacity: Float = 1
    var strokeWidth: Float = 1
    /// The `color` property, which `currentColor` refers to.
    var color: RGBA = .black
    var opacity: Float = 1
    var isDisplayed = true

    /// This style with an element's presentation attributes and then its `style` declarations
    /// (which take precedence) applied. Unknown properties are ignored, as browsers do.
    func applying(_ attributes: [String: String], warn: (String) -> Void) throws -> SVGStyle {
        var style = self
        style.opacity = 1
        var declarations = attributes.filter { Self.properties.contains($0.key) }.sorted { $0.key < $1.key }
        if let inline = attributes["style"] {
            for declaration in inline.split(separator: ";") {
                guard let colon = declaration.firstIndex(of: ":") else { continue }
                let name = declaration[..<colon].trimmingCharacters(in: .whitespacesAndNewlines)
                var value = declaration[declaration.index(after: colon)...].trimmingCharacters(
                    in: .whitespacesAndNewlines)
                if value.hasSuffix("!important") {
                    value = value.dropLast("!important".count).trimmingCharacters(in: .whitespaces)
                }
                if Self.properties.contains(name) {
                    declarations.append((name, value))
                }
            }
        }
        for (name, value) in declarations where value != "inherit" {
            try style.set(name, value, warn: warn)
        }
        style.opacity *= opacity
        return style
    }

    private static let properties: Set<String> = [
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-opacity", "stroke-width", "color", "opacity",
        "display",
    ]

    private mutating func set(_ name: String, _ value: String, warn: (String) -> Void) throws {
        switch name {
        case "fill": fill = try SVGPaint.parse(value, warn: warn)
        case "stroke": stroke = try SVGPaint.parse(value, warn: warn)
        case "fill-opacity": fillOpacity = try Self.fraction(value, name: name)
        case "stroke-opacity": strokeOpacity = try Self.fraction(value, name: name)
        case "opacity": opacity = try Self.fraction(value, name: name)
        case "stroke-width": strokeWidth = max(0, try SVGLength.parse(value, name: name, default: nil))
        case "color": color = try SVGPaint.parseColor(value)
        case "display": isDisplayed = value != "none"
        case "fill-rule":
            guard let rule = FillRule(rawValue: value) else {
                throw SceneError(.malformedSVG, "fill-rule=\"\(value)\" is not nonzero or evenodd")
            }
            fillRule = rule
        default: break
        }
    }

    /// An opacity: a number or a percentage, clamped to [0, 1] as CSS does.
    private static func fraction(_ value: String, name: String) throws -> Float {
        let text = value.trimmingCharacters(in: .whitespaces)
        let number = text.hasSuffix("%") ? DecimalText.fromPercent(text.dropLast()) : Float(text)
        guard let number, !number.isNaN else {
            throw SceneError(.malformedSVG, "\(name)=\"\(value)\" is not a number")
        }
        return min(max(number, 0), 1)
    }

    /// The colour a paint resolves to on this element, with the opacities folded into alpha;
    /// `nil` for no paint.
    func resolve(_ paint: SVGPaint, opacity paintOpacity: Float) -> RGBA? {
        var color: RGBA
        switch paint {
        case .none: return nil
        case .color(let value): color = value
        case .currentColor: color = self.color
        }
        color.a *= paintOpacity * opacity
        return color
    }
}
