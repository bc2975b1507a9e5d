import Foundation
import Scene

/// One animated SVG of a vector run: the first frame's drawing, written as `SVGWriter` writes
/// it (so a renderer without SMIL, and a reader of the file, see the first frame), and inside
/// each path one `<animate>` per attribute that changes (`d`, `stroke-width`, `stroke`,
/// `stroke-opacity`, `fill`, `fill-opacity`), its `values` one entry per frame, shown
/// `1/fps` seconds each (`calcMode="discrete"`, like a GIF's frames), looping forever.
///
/// Memory: an `<animate>` needs all frames of one attribute together, but frames arrive one
/// scene at a time. Rather than keep every frame (memory growing with the run), each frame's
/// numbers (points, width, colours) are appended as float32 to a temporary file beside the
/// output, one fixed-size record per frame; `finish()` maps that file and writes the SVG path
/// by path, so only one path's value lists are held at once. The temporary files (frames and
/// SVG) are hidden beside `path` and removed on failure; the SVG appears only when complete.
public final class SVGAnimation {
    public let path: String
    public let framesPerSecond: Double
    public private(set) var frameCount = 0
    private let staged: StagedFile
    private let frames: StagedFile
    private var frameFile: FileHandle?
    /// The first frame: the file's static drawing and the layout every later frame must keep.
    private var first: Scene?
    /// Where each path's numbers start in a frame record, and the record's length (floats).
    private var offsets: [Int] = []
    private var recordLength = 0

    public init(path: String, framesPerSecond: Double) {
        self.path = path
        self.framesPerSecond = framesPerSecond
        staged = StagedFile(for: path)
        frames = StagedFile(for: path + ".frames")
    }

    /// Appends `scene` as the next frame. Every frame must have the first frame's canvas, paths
    /// and point counts (an optimisation moves numbers, it does not add paths).
    public func add(_ scene: Scene) throws {
        if let first {
            guard Self.sameLayout(first, scene) else {
                throw OutputError(
                    .invalidSize, "an animated SVG needs the same canvas and paths in every frame; frame \(frameCount) differs", file: path)
            }
        } else {
            try start(with: scene)
        }
        var record: [Float] = []
        record.reserveCapacity(recordLength)
        for path in scene.paths {
            for point in path.points { record += [point.x, point.y] }
            record.append(path.strokeWidth)
            if let stroke = path.strokeColor { record += [stroke.r, stroke.g, stroke.b, stroke.a] }
            if let fill = path.fillColor { record += [fill.r, fill.g, fill.b, fill.a] }
        }
        do {
            try frameFile?.write(contentsOf: record.withUnsafeBytes { Data($0) })
        } catch {
            discard()
            throw OutputError(.cannotWrite, "cannot write: \(error.localizedDescription)", file: path)
        }
        frameCount += 1
    }

    private func start(with scene: Scene) throws {
        first = scene
        for path in scene.paths {
            offsets.append(recordLength)
            recordLength += 2 * path.points.count + 1 + (path.strokeColor == nil ? 0 : 4) + (path.fillColor == nil ? 0 : 4)
        }
        guard FileManager.default.createFile(atPath: frames.temporaryPath, contents: nil),
            let handle = FileHandle(forWritingAtPath: frames.temporaryPath)
        else {
            throw OutputError(.cannotWrite, "cannot write a temporary file beside it", file: path)
        }
        frameFile = handle
    }

    private static func sameLayout(_ a: Scene, _ b: Scene) -> Bool {
        a.width == b.width && a.height == b.height && a.background == b.background && a.paths.count == b.paths.count
            && zip(a.paths, b.paths).allSatisfy {
                $0.points.count == $1.points.count && $0.isClosed == $1.isClosed && $0.fillRule == $1.fillRule
                    && ($0.strokeColor == nil) == ($1.strokeColor == nil) && ($0.fillColor == nil) == ($1.fillColor == nil)
            }
    }

    /// Writes the SVG from the recorded frames and renames it into place.
    public func finish() throws {
        guard let first, let frameFile else { preconditionFailure("finish() needs at least one frame") }
        do {
            try frameFile.close()
            self.frameFile = nil
            let records = try Data(contentsOf: URL(fileURLWithPath: frames.temporaryPath), options: .alwaysMapped)
            guard FileManager.default.createFile(atPath: staged.temporaryPath, contents: nil),
                let output = FileHandle(forWritingAtPath: staged.temporaryPath)
            else {
                throw OutputError(.cannotWrite, "cannot write a temporary file beside it", file: path)
            }
            defer { try? output.close() }
            try write(first, records: records, to: output)
            try output.close()
            try staged.commit()
            frames.discard()
        } catch {
            discard()
            if let error = error as? OutputError { throw error }
            throw OutputError(.cannotWrite, "cannot write: \(error.localizedDescription)", file: path)
        }
    }

    /// The first frame's SVG line by line; after each path's line (`SVGWriter` writes one
    /// `<path …/>` per line, in scene order) its `<animate>` elements, before `</path>`.
    private func write(_ first: Scene, records: Data, to output: FileHandle) throws {
        var pathIndex = 0
        for line in SVGWriter.svg(first).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("  <path "), line.hasSuffix("/>") else {
                try output.write(contentsOf: Data((line + "\n").utf8))
                continue
            }
            let animations = records.withUnsafeBytes { bytes in
                animateElements(for: pathIndex, template: first.paths[pathIndex], records: bytes.bindMemory(to: Float.self))
            }
            try output.write(contentsOf: Data((line.dropLast(2) + ">\n" + animations + "  </path>\n").utf8))
            pathIndex += 1
        }
    }

    /// The `<animate>` lines of one path: its attributes' text in every frame, one element per
    /// attribute whose text changes at least once.
    private func animateElements(for index: Int, template: Path, records: UnsafeBufferPointer<Float>) -> String {
        var values: [String: [String]] = [:]
        let names = ["d", "stroke-width", "stroke", "stroke-opacity", "fill", "fill-opacity"]
        for frame in 0..<frameCount {
            var cursor = frame * recordLength + offsets[index]
            func next() -> Float {
                defer { cursor += 1 }
                return records[cursor]
            }
            func color() -> RGBA { RGBA(next(), next(), next(), next()) }
            var path = template
            for point in path.points.indices { path.points[point] = Point(next(), next()) }
            path.strokeWidth = next()
            values["d", default: []].append(SVGWriter.pathData(path))
            values["stroke-width", default: []].append(SVGWriter.number(path.strokeWidth))
            if template.strokeColor != nil {
                let stroke = color()
                values["stroke", default: []].append(SVGWriter.rgb(stroke))
                values["stroke-opacity", default: []].append(SVGWriter.number(stroke.a))
            }
            if template.fillColor != nil {
                let fill = color()
                // An open path's fill is recorded but not drawn (SVGWriter writes fill="none").
                if template.isClosed {
                    values["fill", default: []].append(SVGWriter.rgb(fill))
                    values["fill-opacity", default: []].append(SVGWriter.number(fill.a))
                }
            }
        }
        let duration = SVGWriter.number(Float(Double(frameCount) / framesPerSecond))
        var text = ""
        for name in names {
            guard let list = values[name], list.contains(where: { $0 != list[0] }) else { continue }
            text +=
                #"    <animate attributeName="\#(name)" dur="\#(duration)s" calcMode="discrete" repeatCount="indefinite" values="\#(list.joined(separator: ";"))"/>"#
                + "\n"
        }
        return text
    }

    /// Removes the temporary files: an abandoned run leaves nothing at `path`.
    public func discard() {
        try? frameFile?.close()
        frameFile = nil
        frames.discard()
        staged.discard()
    }

    deinit { discard() }
}
