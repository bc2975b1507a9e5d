import Foundation

/// One cubic Bézier segment, starting where the previous one ended.
struct CubicSegment: Equatable {
    var control1: Point
    var control2: Point
    var end: Point
}

/// A run of segments from one moveto: what becomes one `Path`.
struct Subpath: Equatable {
    var start: Point
    var segments: [CubicSegment] = []
    var isClosed = false
}

/// Collects SVG drawing commands as cubic segments. Lines and quadratics become exact cubics
/// (lines with handles at 1/3 and 2/3, quadratics by degree elevation); elliptical arcs become
/// one cubic per quarter turn or less, which is accurate to about 3e-4 of the radius.
struct PathBuilder {
    private(set) var subpaths: [Subpath] = []
    private(set) var current = Point(0, 0)
    /// Second handle of the previous cubic or control of the previous quadratic, for the
    /// reflections of S and T.
    private var previousCubicHandle: Point?
    private var previousQuadraticControl: Point?
    /// False after `close()` until the next segment starts a new subpath at the same start.
    private var isOpen = false

    mutating func move(to point: Point) {
        if isOpen, subpaths[subpaths.count - 1].segments.isEmpty {
            subpaths.removeLast()
        }
        subpaths.append(Subpath(start: point))
        isOpen = true
        current = point
        forgetHandles()
    }

    mutating func line(to end: Point) {
        let delta = Point(end.x - current.x, end.y - current.y)
        append(
            CubicSegment(
                control1: Point(current.x + delta.x / 3, current.y + delta.y / 3),
                control2: Point(current.x + 2 * delta.x / 3, current.y + 2 * delta.y / 3),
                end: end))
        forgetHandles()
    }

    mutating func cubic(_ control1: Point, _ control2: Point, _ end: Point) {
        append(CubicSegment(control1: control1, control2: control2, end: end))
        previousCubicHandle = control2
        previousQuadraticControl = nil
    }

    /// S / s: the first handle mirrors the previous cubic's second handle.
    mutating func smoothCubic(_ control2: Point, _ end: Point) {
        cubic(reflect(previousCubicHandle), control2, end)
    }

    mutating func quadratic(_ control: Point, _ end: Point) {
        let start = current
        append(
            CubicSegment(
                control1: Point(start.x + 2 * (control.x - start.x) / 3, start.y + 2 * (control.y - start.y) / 3),
                control2: Point(end.x + 2 * (control.x - end.x) / 3, end.y + 2 * (control.y - end.y) / 3),
                end: end))
        previousQuadraticControl = control
        previousCubicHandle = nil
    }

    /// T / t: the control point mirrors the previous quadratic's.
    mutating func smoothQuadratic(_ end: Point) {
        quadratic(reflect(previousQuadraticControl), end)
    }

    /// A / a, following the SVG implementation notes (appendix B.2.4 / F.6.5): convert the
    /// endpoint parameterisation to a centre and angles, enlarge radii that are too small, and
    /// approximate each quarter turn by a cubic with handles `4/3 tan(θ/4)` long.
    mutating func arc(radii: Point, rotation degrees: Float, largeArc: Bool, sweep: Bool, to end: Point) {
        let start = current
        guard start != end else { return }
        var rx = abs(Double(radii.x))
        var ry = abs(Double(radii.y))
        guard rx > 0, ry > 0 else {
            line(to: end)
            return
        }
        let phi = Double(degrees) * .pi / 180
        let cosPhi = cos(phi)
        let sinPhi = sin(phi)
        let halfDx = (Double(start.x) - Double(end.x)) / 2
        let halfDy = (Double(start.y) - Double(end.y)) / 2
        let x1 = cosPhi * halfDx + sinPhi * halfDy
        let y1 = -sinPhi * halfDx + cosPhi * halfDy
        let lambda = (x1 * x1) / (rx * rx) + (y1 * y1) / (ry * ry)
        if lambda > 1 {
            rx *= lambda.squareRoot()
            ry *= lambda.squareRoot()
        }
        let numerator = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1
        let denominator = rx * rx * y1 * y1 + ry * ry * x1 * x1
        let coefficient = (max(0, numerator / denominator)).squareRoot() * (largeArc == sweep ? -1 : 1)
        let centreX1 = coefficient * rx * y1 / ry
        let centreY1 = -coefficient * ry * x1 / rx
        let centreX = cosPhi * centreX1 - sinPhi * centreY1 + (Double(start.x) + Double(end.x)) / 2
        let centreY = sinPhi * centreX1 + cosPhi * centreY1 + (Double(start.y) + Double(end.y)) / 2

        func angle(_ ux: Double, _ uy: Double, _ vx: Double, _ vy: Double) -> Double {
            atan2(ux * vy - uy * vx, ux * vx + uy * vy)
        }
        let theta1 = angle(1, 0, (x1 - centreX1) / rx, (y1 - centreY1) / ry)
        var sweepAngle = angle((x1 - centreX1) / rx, (y1 - centreY1) / ry, (-x1 - centreX1) / rx, (-y1 - centreY1) / ry)
        if !sweep, sweepAngle > 0 { sweepAngle -= 2 * .pi }
        if sweep, sweepAngle < 0 { sweepAngle += 2 * .pi }

        let count = max(1, Int((abs(sweepAngle) / (.pi / 2) - 1e-9).rounded(.up)))
        let step = sweepAngle / Double(count)
        let handle = 4.0 / 3.0 * tan(step / 4)
        func ellipsePoint(_ ux: Double, _ uy: Double) -> Point {
            Point(
                Float(centreX + rx * cosPhi * ux - ry * sinPhi * uy),
                Float(centreY + rx * sinPhi * ux + ry * cosPhi * uy))
        }
        for index in 0..<count {
            let from = theta1 + Double(index) * step
            let to = from + step
            append(
                CubicSegment(
                    control1: ellipsePoint(cos(from) - handle * sin(from), sin(from) + handle * cos(from)),
                    control2: ellipsePoint(cos(to) + handle * sin(to), sin(to) - handle * cos(to)),
                    end: index == count - 1 ? end : ellipsePoint(cos(to), sin(to))))
        }
        forgetHandles()
    }

    /// Z / z: the current point returns to the subpath's start; the closing segment is implied
    /// and added when the subpath becomes a `Path`.
    mutating func close() {
        guard isOpen else { return }
        subpaths[subpaths.count - 1].isClosed = true
        current = subpaths[subpaths.count - 1].start
        isOpen = false
        forgetHandles()
    }

    /// The subpaths with at least one segment; a lone moveto draws nothing.
    func finished() -> [Subpath] { subpaths.filter { !$0.segments.isEmpty } }

    private mutating func append(_ segment: CubicSegment) {
        if !isOpen {
            subpaths.append(Subpath(start: current))
            isOpen = true
        }
        subpaths[subpaths.count - 1].segments.append(segment)
        current = segment.end
    }

    private func reflect(_ handle: Point?) -> Point {
        guard let handle else { return current }
        return Point(2 * current.x - handle.x, 2 * current.y - handle.y)
    }

    private mutating func forgetHandles() {
        previousCubicHandle = nil
        previousQuadraticControl = nil
    }
}

/// The path data grammar of the `d` attribute: M L H V C S Q T A Z, absolute (upper case) and
/// relative (lower case), with repeated argument groups and implicit linetos after a moveto.
enum SVGPathData {
    static func parse(_ text: String) throws -> [Subpath] {
        var scanner = NumberScanner(text)
        var builder = PathBuilder()
        var isFirst = true
        while let command = try scanner.command(first: isFirst) {
            isFirst = false
            let relative = command.isLowercase
            func point(_ x: Float, _ y: Float) -> Point {
                relative ? Point(builder.current.x + x, builder.current.y + y) : Point(x, y)
            }
            func nextPoint() throws -> Point { point(try scanner.number(), try scanner.number()) }
            var repeated = false
            repeat {
                switch command.uppercased() {
                case "M":
                    let target = try nextPoint()
                    repeated ? builder.line(to: target) : builder.move(to: target)
                case "L":
                    let end = try nextPoint()
                    builder.line(to: end)
                case "H":
                    let x = try scanner.number()
                    let end = Point(relative ? builder.current.x + x : x, builder.current.y)
                    builder.line(to: end)
                case "V":
                    let y = try scanner.number()
                    let end = Point(builder.current.x, relative ? builder.current.y + y : y)
                    builder.line(to: end)
                case "C":
                    let control1 = try nextPoint()
                    let control2 = try nextPoint()
                    let end = try nextPoint()
                    builder.cubic(control1, control2, end)
                case "S":
                    let control2 = try nextPoint()
                    let end = try nextPoint()
                    builder.smoothCubic(control2, end)
                case "Q":
                    let control = try nextPoint()
                    let end = try nextPoint()
                    builder.quadratic(control, end)
                case "T":
                    let end = try nextPoint()
                    builder.smoothQuadratic(end)
                case "A":
                    let radii = Point(try scanner.number(), try scanner.number())
                    let rotation = try scanner.number()
                    let largeArc = try scanner.flag()
                    let sweep = try scanner.flag()
                    let end = try nextPoint()
                    builder.arc(radii: radii, rotation: rotation, largeArc: largeArc, sweep: sweep, to: end)
                case "Z":
                    builder.close()
                default:
                    throw scanner.error("unknown command \"\(command)\"")
                }
                repeated = true
            } while command.uppercased() != "Z" && scanner.startsNumber()
        }
        return builder.finished()
    }
}

/// Reads numbers, flags and command letters of path data and point lists, with SVG's
/// separators: whitespace, an optional comma, or nothing where a sign or a second decimal point
/// starts the next number ("1-2", "0.5.5").
struct NumberScanner {
    private let bytes: [UInt8]
    private let text: String
    private var index = 0

    init(_ text: String) {
        self.text = text
        bytes = Array(text.utf8)
    }

    var isAtEnd: Bool { index == bytes.count }

    mutating func skipSeparators() {
        while index < bytes.count, bytes[index] == UInt8(ascii: ",") || isSpace(bytes[index]) {
            index += 1
        }
    }

    /// True if the next token is a number, for repeated argument groups.
    mutating func startsNumber() -> Bool {
        skipSeparators()
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        return isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
    }

    /// The next command letter, or `nil` at the end. Path data must begin with a moveto.
    mutating func command(first: Bool) throws -> Character? {
        skipSeparators()
        guard index < bytes.count else { return nil }
        let byte = bytes[index]
        guard (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) else {
            throw error("expected a command letter")
        }
        let letter = Character(UnicodeScalar(byte))
        if first, letter != "M", letter != "m" {
            throw error("path data must start with M or m")
        }
        index += 1
        return letter
    }

    mutating func number() throws -> Float {
        skipSeparators()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            index += 1
        }
        var digits = skipDigits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            digits += skipDigits()
        }
        guard digits > 0 else {
            index = start
            throw error("expected a number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            let mark = index
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            if skipDigits() == 0 { index = mark }
        }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Float(token), value.isFinite else {
            index = start
            throw error("\"\(token)\" is not a finite number")
        }
        return value
    }

    /// Arc flags are single digits and may be written without separators: "a1 1 0 00 1 1".
    mutating func flag() throws -> Bool {
        skipSeparators()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "0") || bytes[index] == UInt8(ascii: "1") else {
            throw error("expected an arc flag, 0 or 1")
        }
        index += 1
        return bytes[index - 1] == UInt8(ascii: "1")
    }

    func error(_ problem: String) -> SceneError {
        let found = index < bytes.count ? "\"\(Character(UnicodeScalar(bytes[index])))\"" : "the end"
        let excerpt = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return SceneError(.malformedSVG, "\(problem) at character \(index + 1) (found \(found)) in \"\(excerpt)\"")
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index - start
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    private func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }
}
