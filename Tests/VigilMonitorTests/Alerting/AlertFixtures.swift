import Foundation
import Synchronization
@testable import VigilMonitor

extension Alert {
    /// The drift alert the alerting tests send: lactate at site ED-1 for sepsis-risk v3.
    static func lactateDrift(_ status: Status, model: String = "sepsis-risk", startsAt: Double = 1_764_410_400,
                             endsAt: Double? = nil) -> Alert {
        Alert(
            key: AlertKey(model: model, rule: .drift, feature: "lactate", subgroup: "site=ED-1"),
            status: status, severity: .warning, version: "3", value: 0.31, threshold: 0.2,
            summary: "\(model) v3: input drift in lactate (PSI 0.31) at site ED-1",
            description: "PSI of lactate at site=ED-1 is 0.31 against 0.2. Check the lactate feed at ED-1 for an assay or unit change.",
            windowStart: 1_764_324_000, windowEnd: 1_764_410_400,
            startsAt: startsAt, endsAt: status == .resolved ? (endsAt ?? startsAt + 3_600) : nil)
    }
}

/// A wall clock a test sets: the notifier stamps `startsAt`/`endsAt` from it.
final class TestClock: Sendable {
    private let value: Mutex<Double>

    init(_ start: Double = Date().timeIntervalSince1970) { value = Mutex(start) }

    var now: Double { value.withLock { $0 } }

    func advance(by seconds: Double) { value.withLock { $0 += seconds } }
}

/// Reads an RFC 3339 time as Alertmanager writes it (`2026-11-29T10:00:00.123Z`).
func unixSeconds(_ text: Any?) -> Double? {
    guard let text = text as? String else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)?.timeIntervalSince1970
}
