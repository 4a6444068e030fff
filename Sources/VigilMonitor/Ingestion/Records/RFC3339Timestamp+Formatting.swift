import VigilStats
import Foundation

extension RFC3339Timestamp {
    /// `date` as RFC 3339 in UTC (`2026-11-29T10:00:00Z`, or `…00.123Z` with fractional seconds),
    /// the one form Vigil writes times in: state rows, the audit trail, status output.
    public static func string(from date: Date, fractionalSeconds: Bool = true) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractionalSeconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

extension RFC3339Timestamp {
    /// `seconds` since the Unix epoch in RFC 3339 UTC with milliseconds, for times kept as numbers.
    public static func string(fromUnixSeconds seconds: Double) -> String {
        string(from: Date(timeIntervalSince1970: seconds), fractionalSeconds: true)
    }
}
