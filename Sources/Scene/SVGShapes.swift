/// The basic shapes (`rect`, `circle`, `ellipse`, `line`, `polyline`, `polygon`) as the path
/// data SVG defines them to be equivalent to.
enum SVGShapes {
    /// Subpaths of a shape element, or `nil` if `name` is not a basic shape. A shape with a zero
    /// size draws nothing, as in SVG.
    static func subpaths(of name: String, _ attributes: [String: String]) throws -> [Subpath]? {
        var builder = PathBuilder()
        func length(_ key: String) throws -> Float {
            try SVGLength.parse(attributes[key], name: key, default: 0)
        }
        switch name {
        case "rect":
            let x = try length("x")
            let y = try length("y")
            let width = try length("width")
            let height = try length("height")
            guard width > 0, height > 0 else { return [] }
            // An absent radius takes the other one's value; both are clamped to half the side.
            let rxText = attributes["rx"] ?? attributes["ry"]
            let ryText = attributes["ry"] ?? attributes["rx"]
            let rx = min(max(try SVGLength.parse(rxText, name: "rx", default: 0), 0), width / 2)
            let ry = min(max(try SVGLength.parse(ryText, name: "ry", default: 0), 0), height / 2)
            if rx == 0 || ry == 0 {
                builder.move(to: Point(x, y))
                builder.line(to: Point(x + width, y))
                builder.line(to: Point(x + width, y + height))
                builder.line(to: Point(x, y + height))
            } else {
                let radii = Point(rx, ry)
                builder.move(to: Point(x + rx, y))
                builder.line(to: Point(x + width - rx, y))
                builder.arc(radii: radii, rotation: 0, largeArc: false, sweep: true, to: Point(x + width, y + ry))
                builder.line(to: Point(x + width, y + height - ry))
                builder.arc(
                    radii: radii, rotation: 0, largeArc: false, sweep: true, to: Point(x + width - rx, y + height))
                builder.line(to: Point(x + rx, y + height))
                builder.arc(radii: radii, rotation: 0, largeArc: false, sweep: true, to: Point(x, y + height - ry))
                builder.line(to: Point(x, y + ry))
                builder.arc(radii: radii, rotation: 0, largeArc: false, sweep: true, to: Point(x + rx, y))
            }
            builder.close()
        case "circle", "ellipse":
            let cx = try length("cx")
            let cy = try length("cy")
            let rx = try length(name == "circle" ? "r" : "rx")
            let ry = try length(name == "circle" ? "r" : "ry")
            guard rx > 0, ry > 0 else { return [] }
            let radii = Point(rx, ry)
            builder.move(to: Point(cx + rx, cy))
            for end in [Point(cx, cy + ry), Point(cx - rx, cy), Point(cx, cy - ry), Point(cx + rx, cy)] {
                builder.arc(radii: radii, rotation: 0, largeArc: false, sweep: true, to: end)
            }
            builder.close()
        case "line":
            builder.move(to: Point(try length("x1"), try length("y1")))
            builder.line(to: Point(try length("x2"), try length("y2")))
        case "polyline", "polygon":
            var scanner = NumberScanner(attributes["points"] ?? "")
            var points: [Point] = []
            while scanner.startsNumber() {
                points.append(Point(try scanner.number(), try scanner.number()))
            }
            scanner.skipSeparators()
            guard scanner.isAtEnd else { throw scanner.error("expected a number") }
            guard let first = points.first else { return [] }
            builder.move(to: first)
            for point in points.dropFirst() {
                builder.line(to: point)
            }
            if name == "polygon" {
                builder.close()
            }
        default:
            return nil
        }
        return builder.finished()
    }
}

/// Lengths in user units. Plain numbers and `px` are user units; other units would need the
/// viewport and font size, so they are reported rather than guessed.
enum SVGLength {
    static func parse(_ text: String?, name: String, default value: Float?) throws -> Float {
        guard let text else {
            guard let value else { throw SceneError(.malformedSVG, "missing attribute \"\(name)\"") }
            return value
        }
        var number = Substring(text).drop(while: \.isWhitespace)
        while number.last?.isWhitespace == true { number = number.dropLast() }
        if number.hasSuffix("px") { number = number.dropLast(2) }
        guard let length = Float(number), length.isFinite else {
            throw SceneError(
                .malformedSVG, "\(name)=\"\(text)\" is not a length in user units (a number, optionally with px)")
        }
        return length
    }
}
