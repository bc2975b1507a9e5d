/// Writes a scene as SVG text: one `<path>` per path, in canvas units, with every number and
/// colour channel written so that `SVGReader` reads the same `Float`s back.
///
/// We write the text ourselves rather than through Cairo's SVG surface, which bakes transforms
/// into coordinates and emits glyph and pattern definitions; ours opens in browsers and
/// Inkscape as plain, editable paths whose stroke widths and colours are the scene's.
public enum SVGWriter {
    /// - Parameters:
    ///   - width: The `width` attribute, the displayed size in pixels; the canvas width if `nil`.
    ///   - height: The `height` attribute; the canvas height if `nil`.
    ///     The `viewBox` is always the canvas, so the drawing scales to the displayed size.
    public static func svg(_ scene: Scene, width: Int? = nil, height: Int? = nil) -> String {
        let canvasWidth = scene.width
        let canvasHeight = scene.height
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\#(width ?? canvasWidth)" "#
                + #"height="\#(height ?? canvasHeight)" viewBox="0 0 \#(canvasWidth) \#(canvasHeight)">"#,
        ]
        if let background = scene.background {
            lines.append(
                #"  <rect id="background" width="\#(canvasWidth)" height="\#(canvasHeight)" "#
                    + paint("fill", background) + "/>")
        }
        for path in scene.paths {
            lines.append("  " + element(path))
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func element(_ path: Path) -> String {
        var attributes = [#"d="\#(pathData(path))""#]
        if path.isClosed, let fill = path.fillColor {
            attributes.append(paint("fill", fill))
        } else {
            attributes.append(#"fill="none""#)
        }
        if path.fillRule != .nonZero {
            attributes.append(#"fill-rule="\#(path.fillRule.rawValue)""#)
        }
        if let stroke = path.strokeColor {
            attributes.append(paint("stroke", stroke))
        } else {
            attributes.append(#"stroke="none""#)
        }
        // Written even without a stroke, so the width survives a round trip.
        attributes.append(#"stroke-width="\#(DecimalText.number(path.strokeWidth))""#)
        attributes.append(#"stroke-linecap="round" stroke-linejoin="round""#)
        return "<path " + attributes.joined(separator: " ") + "/>"
    }

    /// `M p0 C p1 p2 p3 C ...`, and for a closed path a last segment back to `p0` and `Z`.
    /// Public for the animated SVG, whose `<animate>` lists hold one of these per frame.
    public static func pathData(_ path: Path) -> String {
        let points = path.points
        guard let start = points.first else { return "" }
        var commands = ["M \(coordinates(start))"]
        for segment in 0..<path.segmentCount {
            let first = 3 * segment + 1
            let end = first + 2 < points.count ? points[first + 2] : start
            commands.append("C \(coordinates(points[first])) \(coordinates(points[first + 1])) \(coordinates(end))")
        }
        if path.isClosed {
            commands.append("Z")
        }
        return commands.joined(separator: " ")
    }

    private static func coordinates(_ point: Point) -> String {
        "\(DecimalText.number(point.x)) \(DecimalText.number(point.y))"
    }

    /// `fill="rgb(10%, 20%, 30%)"`, plus `fill-opacity` when not opaque. Percentages rather than
    /// 0–255 integers, because they carry every channel value exactly.
    private static func paint(_ property: String, _ color: RGBA) -> String {
        var text = #"\#(property)="\#(rgb(color))""#
        if color.a != 1 {
            text += #" \#(property)-opacity="\#(DecimalText.number(color.a))""#
        }
        return text
    }

    /// `rgb(10%, 20%, 30%)`: a colour without its alpha, as `fill` and `stroke` take it.
    public static func rgb(_ color: RGBA) -> String {
        "rgb(" + [color.r, color.g, color.b].map { DecimalText.percent($0) + "%" }.joined(separator: ", ") + ")"
    }

    /// A number as the writer writes every number: the shortest text that reads back exactly.
    public static func number(_ value: Float) -> String { DecimalText.number(value) }
}
