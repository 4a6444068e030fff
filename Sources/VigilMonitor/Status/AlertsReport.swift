import VigilStats
import Foundation
import VigilStore

/// What `vigil alerts` shows: every alert that has fired, firing ones first, with its latest figures.
public struct AlertsReport: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var alertname: String
        public var model: String
        public var rule: String
        public var feature: String?
        public var subgroup: String?
        public var check: String?
        /// `firing` or `resolved`.
        public var status: String
        public var severity: String
        public var version: String?
        public var value: Double?
        public var threshold: Double?
        public var summary: String
        public var description: String
        public var startsAt: String
        public var endsAt: String?
        public var windowStart: String?
        public var windowEnd: String?

        enum CodingKeys: String, CodingKey {
            case alertname, model, rule, feature, subgroup, check, status, severity, version, value, threshold, summary, description
            case startsAt = "starts_at", endsAt = "ends_at", windowStart = "window_start", windowEnd = "window_end"
        }

        init(_ alert: Alert) {
            alertname = alert.key.rule.alertName
            model = alert.key.model
            rule = alert.key.rule.rawValue
            feature = alert.key.feature
            subgroup = alert.key.subgroup
            check = alert.key.check
            status = alert.status.rawValue
            severity = alert.severity.rawValue
            version = alert.version
            value = alert.value
            threshold = alert.threshold
            summary = alert.summary
            description = alert.description
            startsAt = RFC3339Timestamp.string(fromUnixSeconds: alert.startsAt)
            endsAt = alert.endsAt.map(RFC3339Timestamp.string(fromUnixSeconds:))
            windowStart = alert.windowStart.map(RFC3339Timestamp.string(fromUnixSeconds:))
            windowEnd = alert.windowEnd.map(RFC3339Timestamp.string(fromUnixSeconds:))
        }
    }

    public var alerts: [Entry]

    /// Reads the alerts from the state database at `path`, read-only.
    public static func read(databasePath path: String, firingOnly: Bool, model: String? = nil) throws -> AlertsReport {
        let database = try Database(path: path, options: .init(readOnly: true))
        guard try database.userVersion >= 4 else { return AlertsReport(alerts: []) }
        return try read(from: database, firingOnly: firingOnly, model: model)
    }

    static func read(from database: Database, firingOnly: Bool, model: String?) throws -> AlertsReport {
        var conditions = ["alert IS NOT NULL"]
        var arguments: [SQLValue] = []
        if firingOnly { conditions.append("state = 'firing'") }
        if let model { conditions.append("model = ?"); arguments.append(.text(model)) }
        let rows = try database.query(
            "SELECT alert FROM alert_states WHERE \(conditions.joined(separator: " AND ")) ORDER BY state != 'firing', updated_at DESC",
            arguments: arguments)
        let alerts = try rows.compactMap { row in
            try row["alert"].string.map { Entry(try JSONDecoder().decode(Alert.self, from: Data($0.utf8))) }
        }
        return AlertsReport(alerts: alerts)
    }
}
