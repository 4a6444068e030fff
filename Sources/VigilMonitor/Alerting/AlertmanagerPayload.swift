import VigilStats
import Foundation

/// One alert as Alertmanager's `POST /api/v2/alerts` takes it (its `postableAlert`).
///
/// Labels identify the alert (Alertmanager groups and deduplicates on them); annotations are
/// what a person reads. A firing alert gets an `endsAt` a few minutes ahead, so that Alertmanager
/// resolves it by itself if vigild stops re-sending it; a resolved one gets its end time.
struct AlertmanagerPayload: Encodable, Equatable {
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: String
    var endsAt: String

    /// - Parameters:
    ///   - now: the wall time of sending (Unix seconds).
    ///   - lifetime: how far ahead of `now` a firing alert ends unless re-sent.
    ///   - runbookBase: the runbook link, to which the rule's raw value is appended.
    init(_ alert: Alert, now: Double, lifetime: Double, runbookBase: String) {
        var labels = [
            "alertname": alert.key.rule.alertName,
            "model": alert.key.model,
            "severity": alert.severity.rawValue,
        ]
        // An empty label value means "no such label" to Alertmanager: leave those out.
        for (name, value) in [("feature", alert.key.feature), ("subgroup", alert.key.subgroup), ("check", alert.key.check), ("version", alert.version)] {
            if let value, !value.isEmpty { labels[name] = value }
        }
        self.labels = labels
        annotations = [
            "summary": alert.summary,
            "description": alert.description,
            "runbook_url": runbookBase + alert.key.rule.rawValue,
        ]
        let ends: Double = switch alert.status {
        case .firing: now + lifetime
        // Never later than now (it has ended), and never before its start: Alertmanager refuses
        // the whole request when one alert ends before it starts.
        case .resolved: min(alert.endsAt ?? now, now)
        }
        startsAt = RFC3339Timestamp.string(fromUnixSeconds: alert.startsAt)
        endsAt = RFC3339Timestamp.string(fromUnixSeconds: max(ends, alert.startsAt))
    }

    /// The request body for `alerts`.
    static func body(_ alerts: [AlertmanagerPayload]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and string dictionaries always encode.
        return (try? encoder.encode(alerts)) ?? Data("[]".utf8)
    }
}
