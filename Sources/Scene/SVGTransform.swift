import Foundation

/// An SVG affine transform `[a c e; b d f; 0 0 1]`, mapping (x, y) to
/// (a x + c y + e, b x + d y + f). Computed in `Double`; the identity leaves points untouched,
/// so files without transforms read back exactly.
struct SVGTransform: Equatable {
    var a = 1.0, b = 0.0, c = 0.0, d = 1.0, e = 0.0, f = 0.0

    static let identity = SVGTransform()

    var isIdentity: Bool { self == .identity }

    /// True when the transform keeps circles circular (rotation, uniform scale, mirroring,
    /// translation), so a stroke width scales by one factor.
    var isSimilarity: Bool {
        let tolerance = 1e-9 * max(abs(a), abs(b), abs(c), abs(d))
        let rotation = abs(a - d) <= tolerance && abs(b + c) <= tolerance
        let mirroredRotation = abs(a + d) <= tolerance && abs(b - c) <= tolerance
        return rotation || mirroredRotation
    }

    /// How much lengths grow: exact for similarities, the area-preserving mean otherwise.
    var lengthScale: Double { sqrt(abs(a * d - b * c)) }

    /// `self` applied after `inner`: what a parent's transform does to a child's.
    func concatenating(_ inner: SVGTransform) -> SVGTransform {
        SVGTransform(
            a: a * inner.a + c * inner.b, b: b * inner.a + d * inner.b,
            c: a * inner.c + c * inner.d, d: b * inner.c + d * inner.d,
            e: a * inner.e + c * inner.f + e, f: b * inner.e + d * inner.f + f)
    }

    func apply(_ point: Point) -> Point {
        if isIdentity { return point }
        let x = Double(point.x)
        let y = Double(point.y)
        return Point(Float(a * x + c * y + e), Float(b * x + d * y + f))
    }

    /// Parses a `transform` attribute: a list of `matrix`, `translate`, `scale`, `rotate`,
    /// `skewX` and `skewY`, applied right to left as SVG specifies.
    static func parse(_ text: String) throws -> SVGTransform {
        var result = SVGTransform.identity
        var rest = Substring(text)
        while true {
            rest = rest.drop(while: { $0.isWhitespace || $0 == "," })
            if rest.isEmpty { return result }
            guard let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")"), open < close else {
                throw SceneError(.malformedSVG, "transform \"\(text)\" is not a list of name(numbers)")
            }
            let name = rest[..<open].trimmingCharacters(in: .whitespaces)
            let arguments = try rest[rest.index(after: open)..<close]
                .split(whereSeparator: { $0 == "," || $0.isWhitespace })
                .map { part -> Double in
                    guard let value = Double(part), value.isFinite else {
                        throw SceneError(.malformedSVG, "transform \"\(text)\": \"\(part)\" is not a number")
                    }
                    return value
                }
            result = result.concatenating(try make(name, arguments, in: text))
            rest = rest[rest.index(after: close)...]
        }
    }

    private static func make(_ name: String, _ values: [Double], in text: String) throws -> SVGTransform {
        func require(_ counts: Int...) throws {
            guard counts.contains(values.count) else {
                let expected = counts.map(String.init).joined(separator: " or ")
                throw SceneError(.malformedSVG, "transform \"\(text)\": \(name) takes \(expected) numbers")
            }
        }
        switch name {
        case "matrix":
            try require(6)
            return SVGTransform(a: values[0], b: values[1], c: values[2], d: values[3], e: values[4], f: values[5])
        case "translate":
            try require(1, 2)
            return SVGTransform(e: values[0], f: values.count == 2 ? values[1] : 0)
        case "scale":
            try require(1, 2)
            return SVGTransform(a: values[0], d: values.count == 2 ? values[1] : values[0])
        case "rotate":
            try require(1, 3)
            let angle = values[0] * .pi / 180
            let rotation = SVGTransform(a: cos(angle), b: sin(angle), c: -sin(angle), d: cos(angle))
            guard values.count == 3 else { return rotation }
            return SVGTransform(e: values[1], f: values[2])
                .concatenating(rotation)
                .concatenating(SVGTransform(e: -values[1], f: -values[2]))
        case "skewX":
            try require(1)
            return SVGTransform(c: tan(values[0] * .pi / 180))
        case "skewY":
            try require(1)
            return SVGTransform(b: tan(values[0] * .pi / 180))
        default:
            throw SceneError(.malformedSVG, "transform \"\(text)\": unknown function \"\(name)\"")
        }
    }
}
