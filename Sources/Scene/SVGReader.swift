import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads an SVG file into a scene: the SVGs `SVGWriter` produces (exactly), and simple drawings
/// from other tools.
///
/// Supported: `<path>` (all path commands; each subpath becomes one `Path`), the basic shapes,
/// `<g>` nesting with inherited fill and stroke properties from attributes or `style="..."`,
/// `transform` on any element, `viewBox`, colours as hex, `rgb()`/`rgba()` or basic names.
/// Everything is converted to cubic segments in canvas (viewBox) units. What cannot be
/// represented (text, images, gradients, CSS style sheets, clipping, masks) is skipped with a
/// warning.
/// A full-canvas `<rect>` before any other shape becomes the scene's background.
public enum SVGReader {
    public struct Result: Sendable {
        public var scene: Scene
        /// One line per kind of content that was skipped or approximated.
        public var warnings: [String]
    }

    public static func read(_ data: Data) throws -> Result {
        if let problem = encodingProblem(in: data) {
            throw SceneError(.malformedSVG, problem)
        }
        let parser = XMLParser(data: withoutEmptyProcessingInstructions(data))
        let builder = SVGSceneBuilder()
        parser.delegate = builder
        parser.shouldProcessNamespaces = true
        // On Linux, parse() reports success even for broken XML (libxml2 recovers), so errors
        // are taken from the delegate. An XML error is the root cause of anything that follows.
        _ = parser.parse()
        if let xmlError = builder.xmlError {
            throw SceneError(.malformedSVG, "not well-formed XML at line \(xmlError.line): \(xmlError.reason)")
        }
        if let error = builder.error {
            throw error
        }
        guard let canvas = builder.canvas else {
            throw SceneError(.malformedSVG, "no <svg> element found")
        }
        let scene = Scene(
            width: canvas.width, height: canvas.height, background: builder.background, paths: builder.paths)
        try scene.validate()
        return Result(scene: scene, warnings: builder.warnings)
    }

    /// Foundation's XMLParser on Linux crashes the process (strlen of a null pointer) on a
    /// processing instruction without data (`<?name?>`, found by fuzz-svg). Such an instruction
    /// means nothing to a drawing, so it is blanked out, spaces for bytes: lines and columns in
    /// later error messages stay where they were.
    private static func withoutEmptyProcessingInstructions(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var result = bytes
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var index = 0
        while index + 3 < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "?") else { continue }
            var end = index + 2
            while end < bytes.count, !isSpace(bytes[end]), bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: ">") {
                end += 1
            }
            guard end > index + 2 else { continue }
            while end < bytes.count, isSpace(bytes[end]) { end += 1 }
            guard end + 1 < bytes.count, bytes[end] == UInt8(ascii: "?"), bytes[end + 1] == UInt8(ascii: ">") else { continue }
            for position in index...(end + 1) where !isSpace(bytes[position]) { result[position] = 0x20 }
            index = end + 1
        }
        return result == bytes ? data : Data(result)
    }

    /// Foundation's XMLParser on Linux crashes the process (a trap, not an error) on an element
    /// or attribute name that is not valid UTF-8, so the text is checked first. SVG files are
    /// UTF-8 in practice; one in another encoding is refused with the fix.
    private static func encodingProblem(in data: Data) -> String? {
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            return "the file is UTF-16; only UTF-8 SVG files are read (save it as UTF-8)"
        }
        // The XML declaration, if any, is ASCII: `<?xml version="1.0" encoding="…"?>`.
        let head = String(decoding: data.prefix(200), as: UTF8.self)
        if head.hasPrefix("<?xml") || head.hasPrefix("\u{FEFF}<?xml"), let close = head.range(of: "?>") {
            let declaration = head[..<close.lowerBound]
            if let key = declaration.range(of: "encoding=") {
                let value = declaration[key.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }
                if !["utf-8", "utf8"].contains(value.lowercased()) {
                    return "the file declares the encoding \(value); only UTF-8 SVG files are read (save it as UTF-8)"
                }
            }
        }
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return "the file is not valid UTF-8 text (at byte \(offset)); is it an SVG file?"
            }
        }
    }
}

/// The XML parser's delegate: walks the element tree with a stack of inherited styles and
/// transforms, and collects paths in document order.
private final class SVGSceneBuilder: NSObject, XMLParserDelegate {
    private static let svgNamespace = "http://www.w3.org/2000/svg"
    /// Elements that are never drawn directly; their content is skipped silently.
    private static let nonRendering: Set<String> = [
        "defs", "symbol", "clipPath", "mask", "marker", "pattern", "linearGradient", "radialGradient", "filter",
        "title", "desc", "metadata", "script",
    ]
    /// Containers whose children are drawn in order.
    private static let groups: Set<String> = ["g", "a", "switch"]

    private struct Frame {
        var style: SVGStyle
        var transform: SVGTransform
        /// Inside an element whose content is not drawn.
        var isSkipping: Bool
    }

    private(set) var canvas: (width: Int, height: Int)?
    private(set) var background: RGBA?
    private(set) var paths: [Path] = []
    private(set) var warnings: [String] = []
    private(set) var error: SceneError?
    /// The first XML syntax error and where it occurred.
    private(set) var xmlError: (line: Int, reason: String)?
    private var stack: [Frame] = []

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if xmlError == nil {
            xmlError = (parser.lineNumber, Self.describeXMLError((parseError as NSError).code))
        }
    }

    /// libxml2's codes for the mistakes a hand-edited or truncated file has; Foundation on
    /// Linux gives no text for them.
    private static func describeXMLError(_ code: Int) -> String {
        switch code {
        case 4: return "the document is empty"
        case 5: return "unexpected content after the end of the root element"
        case 23: return "an entity reference is missing its ';'"
        case 26: return "an undeclared entity is used"
        case 38: return "'<' inside an attribute value"
        case 39, 40: return "an attribute value is not quoted or not closed (is the file truncated?)"
        case 41: return "an attribute has no value"
        case 65: return "a space is required between attributes"
        case 68: return "a tag name is missing"
        case 73: return "'>' expected (is the file truncated?)"
        case 76: return "a closing tag does not match its opening tag"
        case 77: return "the file ends inside a tag (is it truncated?)"
        // libxml2's XML_ERR_ENTITY_LOOP, also raised when entities expand out of proportion
        // ("billion laughs").
        case 89:
            return "an entity refers to itself or expands to far more text than the file holds "
                + "(entity declarations that multiply text are not allowed)"
        default: return "XML error \(code)"
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        // After an error, keep parsing without converting: a later XML syntax error (say, a
        // truncated file) explains more than the content error it caused.
        guard error == nil else {
            stack.append(Frame(style: SVGStyle(), transform: .identity, isSkipping: true))
            return
        }
        let depth = stack.count
        do {
            try start(name, namespace: namespaceURI, attributes: attributes)
        } catch {
            let detail = (error as? SceneError)?.detail ?? String(describing: error)
            self.error = SceneError(.malformedSVG, "line \(parser.lineNumber): <\(name)>: \(detail)")
            if stack.count == depth {
                stack.append(Frame(style: SVGStyle(), transform: .identity, isSkipping: true))
            }
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if !stack.isEmpty {
            stack.removeLast()
        }
    }

    private func start(_ name: String, namespace: String?, attributes: [String: String]) throws {
        guard let parent = stack.last else {
            guard name == "svg", namespace == nil || namespace == "" || namespace == Self.svgNamespace else {
                throw SceneError(.malformedSVG, "not an SVG file (the root element is <\(name)>)")
            }
            let style = try SVGStyle().applying(attributes, warn: warn)
            let transform = try rootTransform(attributes)
            stack.append(Frame(style: style, transform: transform, isSkipping: !style.isDisplayed))
            return
        }
        let isForeign = namespace != nil && namespace != "" && namespace != Self.svgNamespace
        if parent.isSkipping || isForeign || Self.nonRendering.contains(name) {
            stack.append(Frame(style: parent.style, transform: parent.transform, isSkipping: true))
            return
        }
        let style = try parent.style.applying(attributes, warn: warn)
        var transform = parent.transform
        if let text = attributes["transform"] {
            transform = transform.concatenating(try SVGTransform.parse(text))
        }
        stack.append(Frame(style: style, transform: transform, isSkipping: !style.isDisplayed))
        guard style.isDisplayed else { return }
        if attributes["clip-path"] != nil || attributes["mask"] != nil {
            warn("clip paths and masks are not supported; the shapes were drawn unclipped")
        }
        if Self.groups.contains(name) { return }

        let subpaths: [Subpath]
        if name == "path" {
            subpaths = try SVGPathData.parse(attributes["d"] ?? "")
        } else if let shape = try SVGShapes.subpaths(of: name, attributes) {
            if name == "rect", takeAsBackground(shape, style: style, transform: transform) {
                return
            }
            subpaths = shape
        } else {
            switch name {
            case "style": warn("CSS style sheets (<style>) are not supported; class styles were ignored")
            case "svg": warn("nested <svg> elements are not supported and were skipped")
            default: warn("<\(name)> elements are not supported and were skipped")
            }
            stack[stack.count - 1].isSkipping = true
            return
        }
        append(subpaths, style: style, transform: transform)
    }

    /// The canvas is the viewBox (or width and height without one); its origin moves to (0, 0).
    private func rootTransform(_ attributes: [String: String]) throws -> SVGTransform {
        let size: (width: Float, height: Float)
        var origin = Point(0, 0)
        if let viewBox = attributes["viewBox"] {
            let parts = viewBox.split(whereSeparator: { $0 == "," || $0.isWhitespace })
            let values = parts.compactMap { Float($0) }
            guard parts.count == 4, values.count == 4, values.allSatisfy(\.isFinite), values[2] > 0, values[3] > 0
            else {
                throw SceneError(.malformedSVG, "viewBox=\"\(viewBox)\" is not four numbers with a positive size")
            }
            origin = Point(values[0], values[1])
            size = (values[2], values[3])
        } else {
            guard attributes["width"] != nil, attributes["height"] != nil else {
                throw SceneError(.malformedSVG, "the <svg> element needs a viewBox, or a width and a height")
            }
            size = (
                try SVGLength.parse(attributes["width"], name: "width", default: nil),
                try SVGLength.parse(attributes["height"], name: "height", default: nil)
            )
        }
        // A side beyond any Int (a float can be 3e38) would trap in the conversion (found by
        // fuzz-svg); no canvas is a billion units wide.
        let largest: Float = 1e9
        guard size.width <= largest, size.height <= largest else {
            throw SceneError(.malformedSVG, "the canvas size \(size.width)x\(size.height) is out of range (at most 1e9 a side)")
        }
        let width = Int(size.width.rounded())
        let height = Int(size.height.rounded())
        guard width > 0, height > 0 else {
            throw SceneError(.malformedSVG, "the canvas size \(size.width)x\(size.height) is smaller than 1x1")
        }
        if Float(width) != size.width || Float(height) != size.height {
            warn("the canvas size \(size.width)x\(size.height) was rounded to \(width)x\(height)")
        }
        canvas = (width, height)
        return SVGTransform(e: -Double(origin.x), f: -Double(origin.y))
    }

    /// A filled, unstroked, axis-aligned rectangle covering exactly the canvas, before anything
    /// else is drawn, is the background (as `SVGWriter` writes it).
    private func takeAsBackground(_ shape: [Subpath], style: SVGStyle, transform: SVGTransform) -> Bool {
        guard paths.isEmpty, background == nil, let canvas, shape.count == 1, shape[0].segments.count == 3,
            transform.b == 0, transform.c == 0, style.resolve(style.stroke, opacity: style.strokeOpacity) == nil,
            let fill = style.resolve(style.fill, opacity: style.fillOpacity)
        else { return false }
        // A plain rectangle is a moveto and three lines; closing it adds the fourth side.
        let corners = [shape[0].start] + shape[0].segments.map(\.end)
        let transformed = Set(corners.map(transform.apply))
        let canvasCorners: Set = [
            Point(0, 0), Point(Float(canvas.width), 0), Point(Float(canvas.width), Float(canvas.height)),
            Point(0, Float(canvas.height)),
        ]
        guard transformed == canvasCorners else { return false }
        background = fill
        return true
    }

    /// Converts subpaths into scene paths in canvas coordinates. An SVG fill closes open subpaths
    /// implicitly; since only closed paths are filled here, an open subpath with a fill becomes a
    /// closed filled path, followed by the open stroke if it has one.
    private func append(_ subpaths: [Subpath], style: SVGStyle, transform: SVGTransform) {
        let fill = style.resolve(style.fill, opacity: style.fillOpacity)
        let stroke = style.resolve(style.stroke, opacity: style.strokeOpacity)
        var width = style.strokeWidth
        if !transform.isIdentity {
            width = Float(Double(width) * transform.lengthScale)
            if stroke != nil, !transform.isSimilarity {
                warn("strokes under non-uniform transforms were given a uniform width (approximated)")
            }
        }
        if fill != nil, subpaths.count > 1 {
            warn("filled paths with several subpaths became separate paths; holes cut by their fill rule are lost")
        }
        for subpath in subpaths {
            let points = ([subpath.start] + subpath.segments.flatMap { [$0.control1, $0.control2, $0.end] })
                .map(transform.apply)
            if subpath.isClosed || fill != nil {
                let closedPoints = Self.closedLayout(points)
                paths.append(
                    Path(
                        points: closedPoints, isClosed: true, strokeColor: subpath.isClosed ? stroke : nil,
                        strokeWidth: width, fillColor: fill, fillRule: style.fillRule))
            }
            if !subpath.isClosed, fill == nil || stroke != nil {
                paths.append(
                    Path(
                        points: points, isClosed: false, strokeColor: stroke, strokeWidth: width, fillColor: nil,
                        fillRule: style.fillRule))
            }
        }
    }

    /// The closed layout (3n points, the last segment ending at the first point) of an open run
    /// `start, (c1, c2, end)*`: drop the final end point if it returns to the start, otherwise
    /// add a straight closing segment.
    private static func closedLayout(_ points: [Point]) -> [Point] {
        let start = points[0]
        let end = points[points.count - 1]
        if start == end {
            return Array(points.dropLast())
        }
        let delta = Point(start.x - end.x, start.y - end.y)
        return points + [
            Point(end.x + delta.x / 3, end.y + delta.y / 3), Point(end.x + 2 * delta.x / 3, end.y + 2 * delta.y / 3),
        ]
    }

    private func warn(_ message: String) {
        if !warnings.contains(message) {
            warnings.append(message)
        }
    }
}
