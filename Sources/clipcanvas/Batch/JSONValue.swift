import Foundation

/// A value in a jobs file, with JSON's own distinctions kept (a boolean is not the number 1), so
/// that each becomes the command-line text its flag expects.
enum JSONValue: Decodable, Equatable {
    case bool(Bool)
    case integer(Int64)
    case unsignedInteger(UInt64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(UInt64.self) {
            // Seeds use all 64 bits.
            self = .unsignedInteger(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// A string, number or boolean as it would be typed after a flag; nil for a list, an object
    /// or null.
    var commandLineText: String? {
        switch self {
        case .bool(let value): return String(value)
        case .integer(let value): return String(value)
        case .unsignedInteger(let value): return String(value)
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return value
        case .array, .object, .null: return nil
        }
    }

    /// The value as JSON again, for the result record.
    var object: Any {
        switch self {
        case .bool(let value): return value
        case .integer(let value): return NSNumber(value: value)
        case .unsignedInteger(let value): return NSNumber(value: value)
        case .number(let value): return value
        case .string(let value): return value
        case .array(let values): return values.map(\.object)
        case .object(let fields): return fields.mapValues(\.object)
        case .null: return NSNull()
        }
    }
}
