import Foundation
import Testing

/// Loads the JSON fixtures written by `Fixtures/generate_fixtures.py`, by path relative to this
/// source file (no SwiftPM resources). A trimmed copy of VigilStatsTests' loader: a test target
/// cannot import another.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The top-level object of a fixture file, read with `JSONDecoder` so every double is exact
    /// (`JSONSerialization` can be off in the last bit on Linux).
    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try #require(try JSONDecoder().decode(JSONValue.self, from: data).anyValue as? [String: Any])
    }

    /// The array under `key` of a fixture file, as dictionaries; empty if the file is missing,
    /// so that a parameterized test over it still runs (and its count test fails).
    static func records(_ name: String, _ key: String) -> [[String: Any]] {
        ((try? load(name))?[key] as? [[String: Any]]) ?? []
    }
}

/// Any JSON value, decoded exactly.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Doubles as `Double`, null as `NSNull`, containers as `[Any]` / `[String: Any]`.
    var anyValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .number(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.anyValue)
        case .object(let values): values.mapValues(\.anyValue)
        }
    }
}

/// A JSON number (or null as NaN) as a Double.
func double(_ value: Any?) -> Double {
    if let value = value as? Double { return value }
    if let value = value as? Int { return Double(value) }
    return .nan
}

/// A JSON array of numbers (null as NaN).
func doubles(_ value: Any?) -> [Double] {
    (value as? [Any] ?? []).map(double)
}

/// A JSON array of numbers, or `nil` when the value is null or absent.
func optionalDoubles(_ value: Any?) -> [Double]? {
    (value as? [Any]).map { $0.map(double) }
}

/// A JSON array of 0/1 labels as booleans.
func labels(_ value: Any?) -> [Bool] {
    (value as? [Any] ?? []).map { double($0) != 0 }
}
