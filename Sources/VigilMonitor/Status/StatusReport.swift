import VigilStats
import Foundation
import VigilStore

/// What `vigil status` shows: the daemon and, per model, what ingestion has done.
public struct StatusReport: Codable, Sendable, Equatable {
    public struct Daemon: Codable, Sendable, Equatable {
        /// Whether a vigild process holds this state directory now.
        public var running: Bool
        public var pid: Int?
        public var version: String?
        public var startedAt: String?

        enum CodingKeys: String, CodingKey {
            case running, pid, version
            case startedAt = "started_at"
        }
    }

    public struct File: Codable, Sendable, Equatable {
        public var stream: String
        public var path: String
        public var offset: Int64
        public var line: Int64
        public var rotations: Int64
        public var truncations: Int64
    }

    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        /// `active`, or `paused` by a clinical owner (`vigil pause`).
        public var state: String
        /// Why and by whom the model was last paused or resumed, when it was.
        public var stateReason: String?
        public var stateChangedBy: String?
        /// `waiting` (no prediction log seen yet), `ingesting` (the daemon runs) or `stopped`.
        public var ingestion: String
        /// The production version, and the candidate in staging or awaiting approval, from the registry.
        public var productionVersion: String?
        public var stagedVersion: String?
        /// Alerts firing now: alert name, then the feature, subgroup or check it is about.
        public var firingAlerts: [String]
        /// The latest label-free AUROC estimate and the latest realized AUROC.
        public var estimatedAuroc: Double?
        public var lastAuroc: Double?
        public var predictionsIngested: Int64
        public var outcomesIngested: Int64
        public var joined: Int64
        public var quarantined: Int64
        public var foreign: Int64
        public var pendingPredictions: Int64
        public var pendingOutcomes: Int64
        public var predictionsUnlabeled: Int64
        public var outcomesOrphaned: Int64
        /// Predictions deleted from the state database once older than `retrain.training_window`.
        public var predictionsDeleted: Int64
        /// The newest prediction's `ts`, RFC 3339.
        public var lastPredictionTs: String?
        public var unknownFeatures: [String: Int64]
        public var files: [File]

        enum CodingKeys: String, CodingKey {
            case name, state, ingestion, joined, quarantined, foreign, files
            case stateReason = "state_reason"
            case stateChangedBy = "state_changed_by"
            case productionVersion = "production_version"
            case stagedVersion = "staged_version"
            case firingAlerts = "firing_alerts"
            case estimatedAuroc = "estimated_auroc"
            case lastAuroc = "last_auroc"
            case predictionsIngested = "predictions_ingested"
            case outcomesIngested = "outcomes_ingested"
            case pendingPredictions = "pending_predictions"
            case pendingOutcomes = "pending_outcomes"
            case predictionsUnlabeled = "predictions_unlabeled"
            case outcomesOrphaned = "outcomes_orphaned"
            case predictionsDeleted = "predictions_deleted"
            case lastPredictionTs = "last_prediction_ts"
            case unknownFeatures = "unknown_features"
        }
    }

    public var daemon: Daemon
    public var models: [Model]

    /// Reads the report from the state database at `path`, read-only (it works while the daemon is down).
    public static func read(databasePath path: String) throws -> StatusReport {
        let database = try Database(path: path, options: .init(readOnly: true))
        let current = try database.userVersion
        guard current <= StateSchema.currentVersion else {
            throw MigrationError.newerSchema(path: path, found: current, supported: StateSchema.currentVersion)
        }
        guard current >= 2 else {
            return StatusReport(daemon: Daemon(running: false), models: [])
        }
        let daemon = try readDaemon(database)
        var models: [Model] = []
        for row in try database.query("SELECT name FROM models ORDER BY name") {
            guard let name = row["name"].string else { continue }
            let stats = try database.query("SELECT * FROM model_stats WHERE model = ?", name).first
            let files = try database.query(
                "SELECT * FROM file_checkpoints WHERE model = ? ORDER BY stream DESC", name
            ).map { file in
                File(stream: file["stream"].string ?? "", path: file["path"].string ?? "",
                     offset: file["byte_offset"].int64 ?? 0, line: file["line"].int64 ?? 0,
                     rotations: file["rotations"].int64 ?? 0, truncations: file["truncations"].int64 ?? 0)
            }
            var unknown: [String: Int64] = [:]
            for feature in try database.query("SELECT name, count FROM unknown_features WHERE model = ?", name) {
                if let featureName = feature["name"].string { unknown[featureName] = feature["count"].int64 ?? 0 }
            }
            let seenPredictions = try database.scalar(
                "SELECT device IS NOT NULL FROM file_checkpoints WHERE model = ? AND stream = 'predictions'", name
            )?.int == 1
            func count(_ column: String) -> Int64 { stats?[column].int64 ?? 0 }
            let modelState = current >= 3
                ? try database.query("SELECT status, reason, changed_by FROM model_state WHERE model = ?", name).first
                : nil
            var firing: [String] = []
            var estimated: Double?
            var realized: Double?
            if current >= 4 {
                for row in try database.query(
                    "SELECT rule, feature, subgroup, \"check\" FROM alert_states WHERE model = ? AND state = 'firing' ORDER BY rule, feature, subgroup", name) {
                    let rule = row["rule"].string.flatMap(AlertRule.init(rawValue:))
                    let detail = [row["feature"].string, row["subgroup"].string, row["check"].string].compactMap { $0 }.filter { !$0.isEmpty }
                    firing.append(([rule?.alertName ?? "?"] + detail).joined(separator: " "))
                }
                estimated = try database.scalar(
                    "SELECT estimated_auroc FROM evaluations WHERE model = ? AND estimated_auroc IS NOT NULL ORDER BY id DESC LIMIT 1", name)?.double
                realized = try database.scalar(
                    "SELECT auroc FROM evaluations WHERE model = ? AND auroc IS NOT NULL ORDER BY id DESC LIMIT 1", name)?.double
            }
            var production: String?
            var staged: String?
            if current >= 5 {
                production = try database.scalar("SELECT version FROM model_versions WHERE model = ? AND state = 'production'", name)?.int.map(String.init)
                staged = try database.scalar(
                    "SELECT version FROM model_versions WHERE model = ? AND state IN ('staged', 'awaiting_approval') ORDER BY version DESC LIMIT 1", name
                )?.int.map(String.init)
            }
            models.append(Model(
                name: name,
                state: modelState?["status"].string ?? "active",
                stateReason: modelState?["reason"].string,
                stateChangedBy: modelState?["changed_by"].string,
                ingestion: !seenPredictions ? "waiting" : (daemon.running ? "ingesting" : "stopped"),
                productionVersion: production, stagedVersion: staged, firingAlerts: firing, estimatedAuroc: estimated, lastAuroc: realized,
                predictionsIngested: count("predictions_ingested"), outcomesIngested: count("outcomes_ingested"),
                joined: count("joined"), quarantined: count("quarantined"), foreign: count("foreign_lines"),
                pendingPredictions: count("pending_predictions"), pendingOutcomes: count("pending_outcomes"),
                predictionsUnlabeled: count("predictions_unlabeled"), outcomesOrphaned: count("outcomes_orphaned"),
                predictionsDeleted: count("predictions_deleted"),
                lastPredictionTs: stats?["last_prediction_ts"].double.map(RFC3339Timestamp.string(fromUnixSeconds:)),
                unknownFeatures: unknown, files: files))
        }
        return StatusReport(daemon: daemon, models: models)
    }

    private static func readDaemon(_ database: Database) throws -> Daemon {
        guard let run = try database.query(
            "SELECT pid, version, started_at FROM daemon_runs WHERE stopped_at IS NULL ORDER BY id DESC LIMIT 1"
        ).first, let pid = run["pid"].int else {
            return Daemon(running: false)
        }
        // A run without a stop is live only while its process is.
        let alive = kill(pid_t(pid), 0) == 0 || errno == EPERM
        return alive
            ? Daemon(running: true, pid: pid, version: run["version"].string, startedAt: run["started_at"].string)
            : Daemon(running: false)
    }
}
