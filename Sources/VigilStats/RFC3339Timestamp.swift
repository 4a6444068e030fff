/// Reads RFC 3339 `date-time` timestamps (§5.6) from bytes, as Unix seconds.
///
/// Accepted: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, where `T` may be `t` or a space and `Z`
/// may be `z` (§5.6's notes allow both). Ranges are checked as §5.7 requires: month 01–12,
/// day within the month (February has 29 days in Gregorian leap years), hour 00–23, minute
/// 00–59, second 00–60, offset hours 00–23 and minutes 00–59. A leap second (`:60`) is
/// accepted only where it can occur, at 23:59 UTC once the offset is applied, and is read as
/// the first second of the next day, since Unix time has no leap seconds. Any number of
/// fraction digits is accepted; the first 15 are used. `-00:00` (offset unknown) is read as UTC.
public enum RFC3339Timestamp {
    /// Why a text is not an RFC 3339 timestamp.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, e.g. `month 13 is outside 01-12`.
        public let reason: String
        public var description: String { reason }
    }

    /// The Unix time (seconds since 1970-01-01T00:00:00Z, fractional) that `text` denotes.
    ///
    /// Years 0000–9999 are accepted; times before 1970 are negative. A Double has 53 bits, so
    /// for present-day times the result is exact to about a quarter of a microsecond.
    ///
    /// - Throws: `ParseError` saying which part is malformed or out of range.
    public static func unixSeconds(_ text: UnsafeRawBufferPointer) throws(ParseError) -> Double {
        guard let base = text.baseAddress, text.count >= 19 else {
            throw ParseError(reason: "too short for YYYY-MM-DDTHH:MM:SSZ")
        }
        let count = text.count
        @inline(__always) func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
        /// The decimal number in `digits` bytes from `offset`, or -1 if one is not a digit.
        @inline(__always) func number(_ offset: Int, _ digits: Int) -> Int {
            var value = 0
            for i in offset..<(offset + digits) {
                let d = byte(i) &- UInt8(ascii: "0")
                if d >= 10 { return -1 }
                value = value * 10 + Int(d)
            }
            return value
        }

        let year = number(0, 4)
        let month = number(5, 2)
        let day = number(8, 2)
        let hour = number(11, 2)
        let minute = number(14, 2)
        let second = number(17, 2)
        guard year >= 0, month >= 0, day >= 0, hour >= 0, minute >= 0, second >= 0,
              byte(4) == UInt8(ascii: "-"), byte(7) == UInt8(ascii: "-"),
              byte(13) == UInt8(ascii: ":"), byte(16) == UInt8(ascii: ":")
        else { throw ParseError(reason: "not in the form YYYY-MM-DDTHH:MM:SS") }
        let separator = byte(10)
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
            throw ParseError(reason: "date and time must be separated by 'T'")
        }
        guard (1...12).contains(month) else { throw ParseError(reason: "month \(month) is outside 01-12") }
        let monthLength = daysInMonth(month, year: year)
        guard day >= 1 && day <= monthLength else {
            throw ParseError(reason: "day \(day) is outside 01-\(monthLength) for \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        guard hour <= 23 else { throw ParseError(reason: "hour \(hour) is outside 00-23") }
        guard minute <= 59 else { throw ParseError(reason: "minute \(minute) is outside 00-59") }
        guard second <= 60 else { throw ParseError(reason: "second \(second) is outside 00-60") }

        var i = 19
        var fraction = 0.0
        if i < count && byte(i) == UInt8(ascii: ".") {
            i += 1
            var digits: UInt64 = 0
            var used = 0
            let first = i
            while i < count, byte(i) &- UInt8(ascii: "0") < 10 {
                if used < 15 {
                    digits = digits * 10 + UInt64(byte(i) &- UInt8(ascii: "0"))
                    used += 1
                }
                i += 1
            }
            guard i > first else { throw ParseError(reason: "'.' must be followed by fraction digits") }
            fraction = Double(digits) / Self.exactPowersOfTen[used]
        }

        guard i < count else { throw ParseError(reason: "missing time offset ('Z' or ±HH:MM)") }
        var offsetMinutes = 0
        let zone = byte(i)
        if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
            i += 1
        } else if zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") {
            guard i + 6 <= count, byte(i + 3) == UInt8(ascii: ":") else {
                throw ParseError(reason: "time offset must be ±HH:MM")
            }
            let offsetHour = number(i + 1, 2)
            let offsetMinute = number(i + 4, 2)
            guard offsetHour >= 0, offsetMinute >= 0 else { throw ParseError(reason: "time offset must be ±HH:MM") }
            guard offsetHour <= 23, offsetMinute <= 59 else {
                throw ParseError(reason: "time offset \(offsetHour):\(offsetMinute) is outside 00:00-23:59")
            }
            offsetMinutes = (offsetHour * 60 + offsetMinute) * (zone == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            throw ParseError(reason: "missing time offset ('Z' or ±HH:MM)")
        }
        guard i == count else { throw ParseError(reason: "unexpected characters after the time offset") }

        let minuteOfDayUTC = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
        if second == 60 && minuteOfDayUTC != 23 * 60 + 59 {
            throw ParseError(reason: "leap second :60 is only possible at 23:59 UTC")
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        return Double(seconds) + fraction
    }

    /// Parses a timestamp held in an array of bytes.
    public static func unixSeconds(_ text: [UInt8]) throws(ParseError) -> Double {
        let result = text.withUnsafeBytes { buffer in
            Result { () throws(ParseError) -> Double in try unixSeconds(buffer) }
        }
        return try result.get()
    }

    /// Parses a timestamp held in a string.
    public static func unixSeconds(_ text: String) throws(ParseError) -> Double {
        try unixSeconds(Array(text.utf8))
    }

    /// 10^0 … 10^15, each exact in a Double, so that a fraction of up to 15 digits is one
    /// correctly rounded division.
    static let exactPowersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

    /// Gregorian leap years: divisible by 4, except centuries not divisible by 400.
    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date: H. Hinnant's
    /// `days_from_civil` ("chrono-Compatible Low-Level Date Algorithms").
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
