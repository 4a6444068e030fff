import VigilStats
import Foundation
import VigilStore

/// What `vigil history MODEL` shows: the model's evaluations, oldest first, and its events
/// (alert transitions, and the actions taken on it through the control socket).
public struct HistoryReport: Codable, Sendable, Equatable {
    public struct Event: Codable, Sendable, Equatable {
        public var ts: String
        /// `alert_firing`, `alert_resolved`, or the control command (`pause`, `resume`, …).
        public var kind: String
        public var version: String?
        /// `vigild` for what the daemon did, else the user who asked.
        public var actor: String
        public var reason: String?
        /// The alert, or the command's arguments and result, as JSON text.
        public var details: String
    }

    /// One registered version and what it showed at each stage.
    public struct Version: Codable, Sendable, Equatable {
        public var version: Int
        public var state: VersionState
        /// `registered` or `retrained`.
        public var origin: String
        public var createdAt: String
        public var sha256: String
        public var validationAUROC: Double?
        public var gates: GateReport?
        public var shadow: GateReport?
        public var promotedAt: String?
        public var probation: GateReport?

        enum CodingKeys: String, CodingKey {
            case version, state, origin, createdAt = "created_at", sha256, validationAUROC = "validation_auroc"
            case gates, shadow, promotedAt = "promoted_at", probation
        }
    }

    public var model: String
    public var evaluations: [Evaluation]
    public var events: [Event]
    /// Every registered version, oldest first.
    public var versions: [Version]

    public init(model: String, evaluations: [Evaluation], events: [Event], versions: [Version] = []) {
        self.model = model
        self.evaluations = evaluations
        self.events = events
        self.versions = versions
    }

    /// Control commands whose successful runs appear as life-cycle events instead of audit entries.
    static let lifecycleCommands: Set<String> = ["pause", "resume", "approve", "reject", "rollback", "retrain", "register"]

    /// Reads the newest `limit` evaluations and events of `model` (at or after `since`, RFC 3339), read-only.
    public static func read(databasePath path: String, model: String, since: String?, limit: Int) throws -> HistoryReport {
        let database = try Database(path: path, options: .init(readOnly: true))
        return try read(from: database, model: model, since: since, limit: limit)
    }

    static func read(from database: Database, model: String, since: String?, limit: Int) throws -> HistoryReport {
        var report = HistoryReport(model: model, evaluations: [], events: [])
        let sinceSeconds = try since.map { text -> Double in
            do { return try RFC3339Timestamp.unixSeconds(text) } catch {
                throw ControlError(.badRequest, "since: \"\(text.prefix(64))\" is not an RFC 3339 time (\(error))")
            }
        } ?? -Double.infinity
        let limit = max(limit, 1)
        if try database.userVersion >= 4 {
            report.evaluations = try database.query(
                "SELECT details FROM (SELECT id, details FROM evaluations WHERE model = ? AND evaluated_at >= ? ORDER BY id DESC LIMIT \(limit)) ORDER BY id",
                model, sinceSeconds
            ).compactMap { row in try row["details"].string.map { try JSONDecoder().decode(Evaluation.self, from: Data($0.utf8)) } }
            for row in try database.query(
                "SELECT * FROM (SELECT seq, at, status, alert FROM alert_events WHERE model = ? AND at >= ? ORDER BY seq DESC LIMIT \(limit)) ORDER BY seq",
                model, sinceSeconds) {
                guard let text = row["alert"].string else { continue }
                let alert = try JSONDecoder().decode(Alert.self, from: Data(text.utf8))
                report.events.append(Event(
                    ts: RFC3339Timestamp.string(fromUnixSeconds: row["at"].double ?? 0), kind: "alert_\(alert.status.rawValue)",
                    version: alert.version, actor: "vigild", reason: alert.summary, details: text))
            }
        }
        if try database.userVersion >= 5 {
            for row in try database.query(
                "SELECT * FROM (SELECT * FROM lifecycle_events WHERE model = ? ORDER BY seq DESC LIMIT \(limit)) ORDER BY seq", model) {
                let at = row["at"].string ?? ""
                if let time = try? RFC3339Timestamp.unixSeconds(at), time < sinceSeconds { continue }
                var details = (try? JSONSerialization.jsonObject(with: Data((row["details"].string ?? "{}").utf8))) as? [String: Any] ?? [:]
                if let from = row["from_state"].string { details["from_state"] = from }
                if let to = row["to_state"].string { details["to_state"] = to }
                report.events.append(Event(
                    ts: at, kind: row["kind"].string ?? "", version: row["version"].int.map(String.init), actor: row["actor"].string ?? "",
                    reason: row["reason"].string, details: Self.json(details)))
            }
            report.versions = try ModelRegistry(database: database).versions(of: model).map { version in
                Version(version: version.version, state: version.state, origin: version.origin, createdAt: version.createdAt,
                        sha256: version.sha256, validationAUROC: version.validationAUROC, gates: version.gates, shadow: version.shadow,
                        promotedAt: version.promotedAt, probation: version.probation)
            }
        }
        if try database.userVersion >= 3 {
            let sinceText = since.map { _ in RFC3339Timestamp.string(fromUnixSeconds: sinceSeconds) }
            for entry in try AuditEntry.read(from: database, model: model, since: sinceText, limit: limit) {
                // Life-cycle actions are events of their own (above); vigild's own audit rows too.
                if entry.role == "daemon" || (entry.result == "ok" && Self.lifecycleCommands.contains(entry.command)) { continue }
                let arguments = (try? JSONSerialization.jsonObject(with: Data(entry.arguments.utf8))) as? [String: Any]
                report.events.append(Event(
                    ts: entry.at, kind: entry.command, version: arguments?["version"] as? String, actor: entry.user,
                    reason: arguments?["reason"] as? String,
                    details: Self.json(["role": entry.role, "result": entry.result, "arguments": arguments ?? [:]])))
            }
        }
        report.events.sort { (try? RFC3339Timestamp.unixSeconds($0.ts)) ?? 0 < (try? RFC3339Timestamp.unixSeconds($1.ts)) ?? 0 }
        return report
    }

    private static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
