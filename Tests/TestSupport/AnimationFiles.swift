import CGIF
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads animations back with independent tools: a GIF through giflib's decoder
/// (`DGifSlurp`), an animated SVG through Foundation's XML parser and librsvg's rsvg-convert.
public enum AnimationFiles {
    /// A GIF as giflib decodes it: every frame as RGB planes in [0, 1] (through its palette).
    public struct DecodedGIF {
        public let width: Int
        public let height: Int
        public let frames: [[Float]]
        /// Each frame's delay, in hundredths of a second.
        public let delays: [Int]
        /// Whether the NETSCAPE2.0 extension asks viewers to loop forever (loop count 0).
        public let loopsForever: Bool
    }

    public static func decodeGIF(_ path: String) throws -> DecodedGIF {
        var error: Int32 = 0
        guard let gif = DGifOpenFileName(path, &error) else { throw Failure("giflib cannot open \(path): error \(error)") }
        defer { DGifCloseFile(gif, &error) }
        guard DGifSlurp(gif) == GIF_OK else { throw Failure("giflib cannot decode \(path): error \(gif.pointee.Error)") }
        let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
        var frames: [[Float]] = [], delays: [Int] = [], loopsForever = false
        for index in 0..<Int(gif.pointee.ImageCount) {
            let image = gif.pointee.SavedImages[index]
            guard let palette = image.ImageDesc.ColorMap ?? gif.pointee.SColorMap else { throw Failure("frame \(index) has no palette") }
            guard image.ImageDesc.Width == width, image.ImageDesc.Height == height else { throw Failure("frame \(index) is not full size") }
            var rgb = [Float](repeating: 0, count: 3 * width * height)
            for pixel in 0..<(width * height) {
                let color = palette.pointee.Colors[Int(image.RasterBits[pixel])]
                rgb[pixel] = Float(color.Red) / 255
                rgb[width * height + pixel] = Float(color.Green) / 255
                rgb[2 * width * height + pixel] = Float(color.Blue) / 255
            }
            frames.append(rgb)
            var control = GraphicsControlBlock()
            guard DGifSavedExtensionToGCB(gif, Int32(index), &control) == GIF_OK else { throw Failure("frame \(index) has no delay") }
            delays.append(Int(control.DelayTime))
            for block in 0..<Int(image.ExtensionBlockCount) {
                let ext = image.ExtensionBlocks[block]
                if ext.Function == APPLICATION_EXT_FUNC_CODE, ext.ByteCount == 11,
                    String(decoding: UnsafeBufferPointer(start: ext.Bytes, count: 11), as: UTF8.self) == "NETSCAPE2.0",
                    block + 1 < Int(image.ExtensionBlockCount)
                {
                    let data = image.ExtensionBlocks[block + 1]
                    loopsForever = data.ByteCount == 3 && data.Bytes[0] == 1 && data.Bytes[1] == 0 && data.Bytes[2] == 0
                }
            }
        }
        return DecodedGIF(width: width, height: height, frames: frames, delays: delays, loopsForever: loopsForever)
    }

    /// An animated SVG as a static SVG of one frame: every `<animate>` removed and its
    /// attribute set to its `frame`-th value (what a SMIL player shows during that frame).
    /// Also returns how many values each `<animate>` has and their `dur`s.
    public static func svgFrame(_ data: Data, frame: Int) throws -> (svg: Data, valueCounts: [Int], durations: [String]) {
        let reader = TreeReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse(), let root = reader.root else {
            throw Failure("the SVG does not parse: \(parser.parserError.map { "\($0)" } ?? "?")")
        }
        var counts: [Int] = [], durations: [String] = []
        func apply(_ node: Node) throws {
            var kept: [Node] = []
            for child in node.children {
                if child.name == "animate" {
                    let values = (child.attributes["values"] ?? "").components(separatedBy: ";")
                    counts.append(values.count)
                    durations.append(child.attributes["dur"] ?? "")
                    guard frame < values.count, let name = child.attributes["attributeName"] else {
                        throw Failure("no value for frame \(frame)")
                    }
                    node.attributes[name] = values[frame]
                } else {
                    try apply(child)
                    kept.append(child)
                }
            }
            node.children = kept
        }
        try apply(root)
        root.attributes["xmlns"] = "http://www.w3.org/2000/svg"
        return (Data(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.text()).utf8), counts, durations)
    }

    /// rsvg-convert's PNG of an SVG file, or nil when rsvg-convert is not installed.
    public static func renderWithRSVG(_ svg: String, to png: String) throws -> Bool {
        guard
            let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert", "/opt/homebrew/bin/rsvg-convert"]
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: converter)
        process.arguments = [svg, "-o", png]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure("rsvg-convert failed on \(svg)") }
        return true
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    private final class Node {
        let name: String
        var attributes: [String: String]
        var children: [Node] = []
        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        func text() -> String {
            func escaped(_ value: String) -> String {
                value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: "\"", with: "&quot;")
            }
            let attributeText = attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\"\(escaped($0.value))\"" }.joined()
            return "<\(name)\(attributeText)>" + children.map { $0.text() }.joined() + "</\(name)>\n"
        }
    }

    private final class TreeReader: NSObject, XMLParserDelegate {
        var root: Node?
        var stack: [Node] = []
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let node = Node(name: name, attributes: attributes)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }
    }
}
