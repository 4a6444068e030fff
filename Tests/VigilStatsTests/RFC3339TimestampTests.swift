import Testing
@testable import VigilStats

struct RFC3339TimestampTests {
    @Test("valid timestamps give the Unix seconds they denote", arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-11-28T10:15:02Z", 1_795_860_902),
        ("2026-11-28T10:15:02.123Z", 1_795_860_902.123),
        ("2026-11-28T11:15:02.123+01:00", 1_795_860_902.123),
        ("2026-11-28T05:45:02.123-04:30", 1_795_860_902.123),
        ("2026-11-28t10:15:02.123z", 1_795_860_902.123),
        ("2026-11-28 10:15:02.123Z", 1_795_860_902.123),
        ("2026-11-28T10:15:02-00:00", 1_795_860_902),
        ("2026-11-28T10:15:02.5Z", 1_795_860_902.5),
        ("2026-11-28T10:15:02.123456789012345678Z", 1_795_860_902.123456789012345),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
        ("2000-02-29T12:00:00Z", 951_825_600),
        ("2026-12-31T23:59:59Z", 1_798_761_599),
        ("2016-12-31T23:59:60Z", 1_483_228_800),
        ("2016-12-31T18:59:60-05:00", 1_483_228_800),
        ("2017-01-01T00:59:60+01:00", 1_483_228_800),
        ("1969-12-31T23:59:59Z", -1),
        ("0000-01-01T00:00:00Z", -62_167_219_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
    ])
    func valid(text: String, seconds: Double) throws {
        let parsed = try RFC3339Timestamp.unixSeconds(text)
        // Within one unit in the last place: the fraction is added to the whole seconds.
        #expect((parsed - seconds).magnitude <= seconds.ulp, "\(text): \(parsed) != \(seconds)")
    }

    @Test("invalid timestamps are rejected with the part that is wrong", arguments: [
        ("2023-02-29T00:00:00Z", "day 29 is outside 01-28 for 2023-02"),
        ("1900-02-29T00:00:00Z", "day 29 is outside 01-28 for 1900-02"),
        ("2026-04-31T00:00:00Z", "day 31 is outside 01-30 for 2026-04"),
        ("2026-01-00T00:00:00Z", "day 0 is outside 01-31 for 2026-01"),
        ("2026-01-32T00:00:00Z", "day 32 is outside 01-31 for 2026-01"),
        ("2026-13-01T00:00:00Z", "month 13 is outside 01-12"),
        ("2026-00-01T00:00:00Z", "month 0 is outside 01-12"),
        ("2026-11-28T24:00:00Z", "hour 24 is outside 00-23"),
        ("2026-11-28T10:60:00Z", "minute 60 is outside 00-59"),
        ("2026-11-28T10:15:61Z", "second 61 is outside 00-60"),
        ("2016-12-31T23:58:60Z", "leap second :60 is only possible at 23:59 UTC"),
        ("2016-12-31T23:59:60+01:00", "leap second :60 is only possible at 23:59 UTC"),
        ("2026-11-28T10:15:02", "missing time offset ('Z' or ±HH:MM)"),
        ("2026-11-28T10:15:02.Z", "'.' must be followed by fraction digits"),
        ("2026-11-28T10:15:02+01", "time offset must be ±HH:MM"),
        ("2026-11-28T10:15:02+0100", "time offset must be ±HH:MM"),
        ("2026-11-28T10:15:02+24:00", "time offset 24:0 is outside 00:00-23:59"),
        ("2026-11-28T10:15:02+01:60", "time offset 1:60 is outside 00:00-23:59"),
        ("2026-11-28T10:15:02ZZ", "unexpected characters after the time offset"),
        ("2026-11-28T10:15:02Z ", "unexpected characters after the time offset"),
        ("2026-11-28X10:15:02Z", "date and time must be separated by 'T'"),
        ("2026-11-28T10:15Z", "too short for YYYY-MM-DDTHH:MM:SSZ"),
        ("2026-11-28", "too short for YYYY-MM-DDTHH:MM:SSZ"),
        ("", "too short for YYYY-MM-DDTHH:MM:SSZ"),
        ("26-11-28T10:15:02.123Z", "not in the form YYYY-MM-DDTHH:MM:SS"),
        ("2026/11/28T10:15:02Z", "not in the form YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-28T1a:15:02Z", "not in the form YYYY-MM-DDTHH:MM:SS"),
        ("+2026-11-28T10:15:02Z", "not in the form YYYY-MM-DDTHH:MM:SS"),
    ])
    func invalid(text: String, reason: String) throws {
        let error = try #require(throws: RFC3339Timestamp.ParseError.self) { try RFC3339Timestamp.unixSeconds(text) }
        #expect(error.reason == reason)
    }

    @Test("the day count agrees with a day-by-day walk over four centuries")
    func daysAgreeWithWalk() {
        var days = RFC3339Timestamp.daysSinceEpoch(year: 1800, month: 1, day: 1)
        for year in 1800...2200 {
            for month in 1...12 {
                for day in 1...RFC3339Timestamp.daysInMonth(month, year: year) {
                    #expect(RFC3339Timestamp.daysSinceEpoch(year: year, month: month, day: day) == days)
                    days += 1
                }
            }
        }
    }
}
