import Testing
import VigilTestSupport
@testable import VigilMonitor

struct JSONNumberTests {
    func number(_ text: String) throws -> Double {
        let value = try JSONValue.parse("[\(text)]")
        guard case .array(let elements) = value, case .number(let number)? = elements.first else {
            Issue.record("\(text) did not parse to a number: \(value)")
            return .nan
        }
        return number
    }

    /// Decimals that are hard to round correctly: halfway cases, the edges of the normal and
    /// subnormal ranges, more digits than fit in 64 bits, long zero runs.
    static let tricky = [
        "0", "-0", "-0.0", "0.0e5", "0e-1000", "1", "-1", "67", "0.81", "2.4", "0.1", "0.2", "0.3",
        "123.456e78", "1e23", "1E22", "1e-22", "8.98846567431158e307", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "-1e400", "1e-400",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
        "4.9406564584124654e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740994",
        "9007199254740995", "18446744073709551615", "18446744073709551616", "9999999999999999999",
        "10000000000000000000", "99999999999999999999", "123456789012345678901234567890",
        "3.14159265358979323846264338327950288", "0.000001", "1e-7", "7.2057594037927933e16",
        "2.9802322387695312e-8", "4503599627370496.5", "4503599627370497.5",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.0000000000000000000000000000000000000001e40", "100000000000000000000000e-23",
        "0.1e1", "0.8852856738880533", "37.34168180942113", "15.345979172792898",
        "1.8011670033376514e-308", "0.30000000000000004", "-123.456e-7", "1e0", "1E+0",
        "0." + String(repeating: "0", count: 400) + "1e400",
        "1" + String(repeating: "0", count: 400) + "e-400",
    ]

    @Test("tricky decimals convert to exactly the Double that Double(String) gives", arguments: tricky)
    func matchesStandardLibrary(_ text: String) throws {
        let expected = try #require(Double(text))
        let parsed = try number(text)
        #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) != \(expected)")
    }

    @Test("random decimals of 1 to 20 digits with exponents convert exactly as Double(String) does")
    func randomDecimals() throws {
        var random = SplitMix64(seed: 0x5EED)
        for _ in 0..<20_000 {
            let digits = Int(random.next() % 20) + 1
            var text = random.next() % 2 == 0 ? "" : "-"
            let pointAt = Int(random.next() % UInt64(digits + 1))
            for index in 0..<digits {
                if index == pointAt && index > 0 { text += "." }
                let digit = index == 0 ? random.next() % 9 + 1 : random.next() % 10
                text += String(digit)
            }
            if random.next() % 2 == 0 {
                text += "e\(Int(random.next() % 60) - 30)"
            }
            let expected = try #require(Double(text))
            let parsed = try number(text)
            #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) != \(expected)")
        }
    }

    @Test("random significands of up to 19 digits across the whole exponent range, subnormals and overflow included, convert exactly")
    func randomWideRange() throws {
        var random = SplitMix64(seed: 0xD0_0B1E)
        for _ in 0..<50_000 {
            let digits = Int(random.next() % 19) + 1
            var significand = String(random.next() % 9 + 1)
            for _ in 1..<digits { significand += String(random.next() % 10) }
            let text = significand + "e\(Int(random.next() % 680) - 360)"
            let expected = try #require(Double(text))
            let parsed = try number(text)
            #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) != \(expected)")
        }
    }

    @Test("decimals exactly halfway between two Doubles round to even", arguments: [
        "9007199254740993", "9007199254740995", "18014398509481986", "18014398509481990",
        "4503599627370496.5", "4503599627370497.5", "2.2250738585072011e-308", "9007199254740993e10",
        "1.00000000000000011102230246251565404236316680908203125",
    ])
    func halfwayRoundsToEven(_ text: String) throws {
        let expected = try #require(Double(text))
        #expect(try number(text).bitPattern == expected.bitPattern)
    }

    @Test("every Double written in its shortest form reads back as itself")
    func roundTripsShortestForm() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<50_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite else { continue }
            let parsed = try number(value.description)
            #expect(parsed.bitPattern == value.bitPattern, "\(value)")
        }
    }
}
