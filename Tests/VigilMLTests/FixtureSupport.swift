import Foundation
import Testing
import VigilTestSupport

/// Loads the JSON fixtures written by `Fixtures/generate_fixtures.py`, by path relative to this
/// source file (no SwiftPM resources), as VigilStatsTests does (a test target
/// cannot import another; the exact JSON decoding is shared in VigilTestSupport).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The top-level object of a fixture file, read with `JSONDecoder` so every double is exact
    /// (`JSONSerialization` can be off in the last bit on Linux).
    static func load(_ name: String) throws -> [String: Any] {
        try #require(try ExactJSON.object(atPath: directory.appendingPathComponent(name)))
    }

    /// The array under `key` of a fixture file, as dictionaries; empty if the file is missing,
    /// so that a parameterized test over it still runs (and its count test fails).
    static func records(_ name: String, _ key: String) -> [[String: Any]] {
        ((try? load(name))?[key] as? [[String: Any]]) ?? []
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
