import Foundation
import Testing
import VigilTestSupport

/// Loads the JSON fixtures written by `Fixtures/generate_fixtures.py`, by path relative to this
/// source file (no SwiftPM resources), and reproduces its generated samples.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The top-level object of a fixture file.
    ///
    /// Parsed with `JSONDecoder`, which reads every double exactly (round-trip), rather than
    /// `JSONSerialization`, which on Linux can be off in the last bit — fatal for bit-exact edges.
    static func load(_ name: String) throws -> [String: Any] {
        try #require(try ExactJSON.object(atPath: directory.appendingPathComponent(name)))
    }

    /// The array under `key` of a fixture file, as dictionaries.
    static func records(_ name: String, _ key: String) throws -> [[String: Any]] {
        try #require(try load(name)[key] as? [[String: Any]])
    }

    /// A sample stored inline (`key`) or described by a generator (`key_generator`).
    static func sample(_ record: [String: Any], _ key: String) throws -> [Double] {
        if let values = record[key] as? [Any] { return values.map(double) }
        let spec = try #require(record[key + "_generator"] as? [String: Any])
        return SplitMixSample.expand(spec)
    }
}

/// A JSON number (or null as NaN) as a Double.
func double(_ value: Any?) -> Double {
    optionalDouble(value) ?? .nan
}

/// A JSON number, or `nil` for null or absence.
func optionalDouble(_ value: Any?) -> Double? {
    if let value = value as? Double { return value }
    if let value = value as? Int { return Double(value) }
    if let number = value as? NSNumber { return number.doubleValue }
    return nil
}

/// The generator shared with the Python fixture script: SplitMix64 uniforms combined with
/// IEEE additions and multiplications only, so both sides produce identical doubles.
enum SplitMixSample {
    static func expand(_ spec: [String: Any]) -> [Double] {
        var state = UInt64(double(spec["seed"]))
        let count = Int(double(spec["count"]))
        let scale = double(spec["scale"])
        let shift = double(spec["shift"])
        let resolution = double(spec["resolution"])
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in
            let u = (0..<4).map { _ in Double(next() >> 11) * 0x1p-53 }
            var v = (((u[0] + u[1]) + u[2]) + u[3] - 2.0) * scale + shift
            if resolution > 0 { v = (v * resolution).rounded(.down) / resolution }
            return v
        }
    }
}

/// Whether `actual` is within `relative` of `expected` (or within `absolute`); nil must match nil.
func isClose(_ actual: Double?, _ expected: Double?, relative: Double = 1e-9, absolute: Double = 1e-12) -> Bool {
    switch (actual, expected) {
    case (nil, nil): return true
    case (let a?, let e?):
        if a == e { return true }
        return abs(a - e) <= max(absolute, relative * abs(e))
    default: return false
    }
}

/// The KS p-value tolerance of issue 3: within 1e-6 absolute or 1e-4 relative.
func isCloseKSPValue(_ actual: Double?, _ expected: Double?) -> Bool {
    switch (actual, expected) {
    case (nil, nil): return true
    case (let a?, let e?): return abs(a - e) <= 1e-6 || abs(a - e) <= 1e-4 * abs(e)
    default: return false
    }
}

/// The KS p-value tolerance, strict in the far tail: relative 1e-4 unless both are below 1e-300.
func isCloseKSPValueRelative(_ actual: Double, _ expected: Double) -> Bool {
    if expected < 1e-300 && actual < 1e-300 { return true }
    return abs(actual - expected) <= 1e-4 * abs(expected)
}
