import VigilStats
import Foundation

/// What an `alert_command` receives: the alert as one JSON object on standard input, and a
/// minimal environment naming the alert, so that a script needs no JSON parser for the common case.
///
/// The object has the alert's fields with its key spread out, plus `alertname`; times are
/// RFC 3339 in UTC and a missing or non-finite value is `null`:
/// `{"alertname":"VigilDrift","model":"sepsis-risk","rule":"drift","feature":"lactate",
/// "subgroup":"site=ED-1","check":null,"status":"firing","severity":"warning","version":"3","value":0.31,
/// "threshold":0.2,"summary":"…","description":"…","windowStart":"…","windowEnd":"…",
/// "startsAt":"2026-11-29T10:00:00.000Z","endsAt":null}`.
enum AlertCommandInput {
    /// The alert as the command's standard input: one JSON object and a newline.
    static func json(for alert: Alert) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings, finite numbers and nulls are encoded, which cannot fail.
        let data = (try? encoder.encode(Object(alert))) ?? Data("{}".utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// The command's whole environment: a fixed PATH and locale, and the alert's name, status and model.
    /// Nothing of vigild's own environment is passed on.
    static func environment(for alert: Alert) -> [String] {
        [
            "PATH=/usr/bin:/bin",
            "LANG=C.UTF-8",
            "VIGIL_ALERT_STATUS=\(alert.status.rawValue)",
            "VIGIL_ALERT_NAME=\(alert.key.rule.alertName)",
            "VIGIL_MODEL=\(alert.key.model)",
        ].map { $0.replacingOccurrences(of: "\0", with: "") }
    }

    private struct Object: Encodable {
        let alert: Alert

        init(_ alert: Alert) { self.alert = alert }

        enum CodingKeys: String, CodingKey {
            case alertname, model, rule, feature, subgroup, check, status, severity, version, value, threshold
            case summary, description, windowStart, windowEnd, startsAt, endsAt
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(alert.key.rule.alertName, forKey: .alertname)
            try container.encode(alert.key.model, forKey: .model)
            try container.encode(alert.key.rule.rawValue, forKey: .rule)
            try container.encode(alert.key.feature, forKey: .feature)
            try container.encode(alert.key.subgroup, forKey: .subgroup)
            try container.encode(alert.key.check, forKey: .check)
            try container.encode(alert.status.rawValue, forKey: .status)
            try container.encode(alert.severity.rawValue, forKey: .severity)
            try container.encode(alert.version, forKey: .version)
            try container.encode(alert.value.flatMap(Self.finite), forKey: .value)
            try container.encode(alert.threshold.flatMap(Self.finite), forKey: .threshold)
            try container.encode(alert.summary, forKey: .summary)
            try container.encode(alert.description, forKey: .description)
            try container.encode(alert.windowStart.map(RFC3339Timestamp.string(fromUnixSeconds:)), forKey: .windowStart)
            try container.encode(alert.windowEnd.map(RFC3339Timestamp.string(fromUnixSeconds:)), forKey: .windowEnd)
            try container.encode(RFC3339Timestamp.string(fromUnixSeconds: alert.startsAt), forKey: .startsAt)
            try container.encode(alert.endsAt.map(RFC3339Timestamp.string(fromUnixSeconds:)), forKey: .endsAt)
        }

        /// JSON has no NaN or infinity.
        static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }
    }
}
