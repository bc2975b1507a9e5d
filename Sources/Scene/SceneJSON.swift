import Foundation

/// The JSON scene file format, documented in docs/scene-format.md.
///
/// Reading is strict where mistakes are likely (unknown keys, wrong point counts, colours
/// outside [0, 1]) and lenient where a default is obvious (`closed`, `fillRule`, `background`).
/// Writing puts one path per line and prints every number so it reads back bit for bit.
public enum SceneJSON {
    /// The format version this code reads and writes.
    public static let version = 1

    /// Decodes and validates a scene. Errors carry a JSON location such as
    /// `paths[2].stroke` and have no file name yet (see `SceneError.inFile`).
    public static func decode(_ data: Data) throws -> Scene {
        let scene: Scene
        do {
            scene = try JSONDecoder().decode(SceneDocument.self, from: data).scene
        } catch let error as DecodingError {
            throw SceneError(.malformedJSON, describe(error, in: data))
        }
        try scene.validate()
        return scene
    }

    /// The scene as JSON text, ending with a newline.
    public static func encode(_ scene: Scene) -> Data {
        var lines = [
            "{",
            "  \"version\": \(version),",
            "  \"width\": \(scene.width),",
            "  \"height\": \(scene.height),",
            "  \"background\": \(json(scene.background)),",
        ]
        if scene.paths.isEmpty {
            lines.append("  \"paths\": []")
        } else {
            lines.append("  \"paths\": [")
            for (index, path) in scene.paths.enumerated() {
                let separator = index + 1 < scene.paths.count ? "," : ""
                lines.append("    " + json(path) + separator)
            }
            lines.append("  ]")
        }
        lines.append("}")
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    private static func json(_ path: Path) -> String {
        let points = path.points.map { "[\(DecimalText.number($0.x)), \(DecimalText.number($0.y))]" }
        let fields = [
            "\"closed\": \(path.isClosed)",
            "\"stroke\": \(json(path.strokeColor))",
            "\"strokeWidth\": \(DecimalText.number(path.strokeWidth))",
            "\"fill\": \(json(path.fillColor))",
            "\"fillRule\": \"\(path.fillRule.rawValue)\"",
            "\"points\": [\(points.joined(separator: ", "))]",
        ]
        return "{" + fields.joined(separator: ", ") + "}"
    }

    private static func json(_ color: RGBA?) -> String {
        guard let color else { return "null" }
        return "[" + [color.r, color.g, color.b, color.a].map(DecimalText.number).joined(separator: ", ") + "]"
    }

    /// Turns Foundation's decoding errors into one line that points at the offending value.
    private static func describe(_ error: DecodingError, in data: Data) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(jsonLocation(context.codingPath, orRoot: "scene")): missing key \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(jsonLocation(context.codingPath, orRoot: "scene")): \(context.debugDescription)"
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return "\(jsonLocation(context.codingPath, orRoot: "scene")): \(context.debugDescription)"
        case .dataCorrupted:
            return numberOutOfRange(in: data) ?? "not valid JSON (\(syntaxProblem(in: data)))"
        @unknown default:
            return "not a valid scene: \(error)"
        }
    }

    /// JSONDecoder says only "not valid JSON"; JSONSerialization says where and why.
    private static func syntaxProblem(in data: Data) -> String {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return "the file is empty"
        }
        do {
            _ = try JSONSerialization.jsonObject(with: data)
        } catch {
            if let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String {
                // "Number 1e400 is not representable in Swift": beyond even a Double.
                if reason.hasPrefix("Number "), reason.contains("not representable") {
                    let number = reason.dropFirst("Number ".count).prefix { $0 != " " }
                    return "the number \(number) is out of range"
                }
                return reason.hasSuffix(".") ? String(reason.dropLast()) : reason
            }
        }
        return "syntax error"
    }
}

/// JSONDecoder also says only "not valid JSON" for valid JSON holding a number its field cannot
/// take (`1e300` as a float coordinate, `2.5` as a width), and gives no location; the parsed
/// document shows which number and where.
private func numberOutOfRange(in data: Data) -> String? {
    guard let document = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
        return nil
    }
    let wholeNumberKeys: Set<String> = ["version", "width", "height"]
    func search(_ value: Any, at location: String, key: String?) -> String? {
        if let object = value as? [String: Any] {
            for name in object.keys.sorted() {
                if let found = search(object[name]!, at: location.isEmpty ? name : location + "." + name, key: name) {
                    return found
                }
            }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if let found = search(element, at: location + "[\(index)]", key: key) { return found }
            }
        } else if !(value is Bool), let number = value as? NSNumber {
            let double = number.doubleValue
            let place = location.isEmpty ? "scene" : location
            if let key, wholeNumberKeys.contains(key) {
                if double != double.rounded() { return "\(place): \(number) is not a whole number" }
                if abs(double) >= 9.0e18 { return "\(place): \(number) is out of range" }
            } else if abs(double) > Double(Float.greatestFiniteMagnitude) {
                return "\(place): \(number) is out of range (scene numbers are 32-bit floats, at most about 3.4e38)"
            }
        }
        return nil
    }
    return search(document, at: "", key: nil)
}

/// Formats a coding path the way the documentation names values: `paths[2].points[0]`.
private func jsonLocation(_ codingPath: [CodingKey], orRoot root: String) -> String {
    var text = ""
    for key in codingPath {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += text.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    return text.isEmpty ? root : text
}

/// Any key, so unknown keys can be listed and rejected by name.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == AnyKey {
    fileprivate func rejectUnknownKeys(_ known: [String]) throws {
        if let unknown = allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw SceneError(
                .malformedJSON,
                "\(jsonLocation(codingPath, orRoot: "scene")): unknown key \"\(unknown.stringValue)\" "
                    + "(expected one of: \(known.joined(separator: ", ")))")
        }
    }

    /// Distinguishes an absent key (`nil`: use the default) from an explicit `null`
    /// (`.some(nil)`: no colour).
    fileprivate func decodeColor(_ name: String) throws -> RGBA?? {
        let key = AnyKey(name)
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(ColorValue.self, forKey: key).color)
    }
}

private struct SceneDocument: Decodable {
    var scene: Scene

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        try container.rejectUnknownKeys(["version", "width", "height", "background", "paths"])
        let version = try container.decodeIfPresent(Int.self, forKey: AnyKey("version")) ?? SceneJSON.version
        guard version == SceneJSON.version else {
            throw SceneError(
                .malformedJSON,
                "version \(version) is not supported (this build reads version \(SceneJSON.version))")
        }
        scene = Scene(
            width: try container.decode(Int.self, forKey: AnyKey("width")),
            height: try container.decode(Int.self, forKey: AnyKey("height")),
            background: try container.decodeColor("background") ?? .white,
            paths: try container.decodeIfPresent([PathDocument].self, forKey: AnyKey("paths"))?.map(\.path) ?? [])
    }
}

private struct PathDocument: Decodable {
    var path: Path

    /// Absent keys take the defaults of `Path.init`, so a hand-written path needs only points.
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        try container.rejectUnknownKeys(["closed", "stroke", "strokeWidth", "fill", "fillRule", "points"])
        let defaults = Path(points: [])
        let fillRule = try container.decodeIfPresent(String.self, forKey: AnyKey("fillRule"))
        path = Path(
            points: try container.decode([PointValue].self, forKey: AnyKey("points")).map(\.point),
            isClosed: try container.decodeIfPresent(Bool.self, forKey: AnyKey("closed")) ?? defaults.isClosed,
            strokeColor: try container.decodeColor("stroke") ?? defaults.strokeColor,
            strokeWidth: try container.decodeIfPresent(Float.self, forKey: AnyKey("strokeWidth"))
                ?? defaults.strokeWidth,
            fillColor: try container.decodeColor("fill") ?? defaults.fillColor,
            fillRule: try fillRule.map { name in
                guard let rule = FillRule(rawValue: name) else {
                    throw SceneError(
                        .malformedJSON,
                        "\(jsonLocation(container.codingPath, orRoot: "path")).fillRule: \"\(name)\" is not "
                            + "\"nonzero\" or \"evenodd\"")
                }
                return rule
            } ?? defaults.fillRule)
    }
}

/// `[x, y]`.
private struct PointValue: Decodable {
    var point: Point

    init(from decoder: Decoder) throws {
        let values = try decoder.singleValueContainer().decode([Float].self)
        guard values.count == 2 else {
            throw SceneError(
                .malformedJSON,
                "\(jsonLocation(decoder.codingPath, orRoot: "point")): a point is [x, y], found \(values.count) numbers"
            )
        }
        point = Point(values[0], values[1])
    }
}

/// `[r, g, b]` or `[r, g, b, a]`, each in [0, 1].
private struct ColorValue: Decodable {
    var color: RGBA

    init(from decoder: Decoder) throws {
        let values = try decoder.singleValueContainer().decode([Float].self)
        guard values.count == 3 || values.count == 4 else {
            throw SceneError(
                .malformedJSON,
                "\(jsonLocation(decoder.codingPath, orRoot: "colour")): a colour is [r, g, b] or [r, g, b, a], "
                    + "found \(values.count) numbers")
        }
        color = RGBA(values[0], values[1], values[2], values.count == 4 ? values[3] : 1)
    }
}
