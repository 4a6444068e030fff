/// A length of time written in the configuration as `90s`, `10m`, `72h`, `7d`, or a
/// sum of those such as `1h30m`.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in whole seconds.
    public let seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func minutes(_ n: Int64) -> Self { Self(seconds: n * 60) }
    public static func hours(_ n: Int64) -> Self { Self(seconds: n * 3_600) }
    public static func days(_ n: Int64) -> Self { Self(seconds: n * 86_400) }

    /// Parses `text`; nil when it is not a sequence of `<digits><unit>` with unit s, m, h or d.
    public init?(parsing text: String) {
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let count = Int64(digits) else { return nil }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3_600
            case "d": unit = 86_400
            default: return nil
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty else { return nil }
        seconds = total
    }

    /// The shortest exact spelling, e.g. `7d`, `90s`, `1h30m`.
    public var description: String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, letter) in [(Int64(86_400), "d"), (3_600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            text += "\(rest / unit)\(letter)"
            rest %= unit
        }
        return text
    }

    /// The span as a Swift `Duration`.
    public var duration: Duration { .seconds(seconds) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.seconds < rhs.seconds }
}
