import Foundation

/// Any JSON value, decoded with `JSONDecoder` so that every double is read exactly
/// (`JSONSerialization` can be off in the last bit on Linux, fatal for bit-exact fixtures).
public enum ExactJSON: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([ExactJSON]), object([String: ExactJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ExactJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ExactJSON].self)) }
    }

    /// Doubles as `Double`, null as `NSNull`, containers as `[Any]` / `[String: Any]`.
    public var anyValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .number(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.anyValue)
        case .object(let values): values.mapValues(\.anyValue)
        }
    }

    /// The top-level object of the JSON file at `url`, or nil when it is not an object.
    public static func object(atPath url: URL) throws -> [String: Any]? {
        try JSONDecoder().decode(ExactJSON.self, from: Data(contentsOf: url)).anyValue as? [String: Any]
    }
}
