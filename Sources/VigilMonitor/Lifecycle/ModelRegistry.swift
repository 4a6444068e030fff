import Foundation
import VigilStats
import VigilStore

/// The registry's tables (`model_versions`, `lifecycle_events`, `retrain_runs`) over one
/// connection. Callers hold the life cycle's lock and open the transactions.
struct ModelRegistry {
    let database: Database

    /// One version's row.
    struct Version: Sendable, Equatable {
        var model: String
        var version: Int
        var state: VersionState
        var origin: String
        var path: String
        var sha256: String
        var createdAt: String
        var validationAUROC: Double?
        var retrainRun: Int64?
        var gates: GateReport?
        var shadow: GateReport?
        var shadowAfterRow: Int64?
        var promotedAt: String?
        var probationAfterRow: Int64?
        var probationBaselineAUROC: Double?
        var probation: GateReport?
    }

    func versions(of model: String) throws -> [Version] {
        try database.query("SELECT * FROM model_versions WHERE model = ? ORDER BY version", model).map(Self.version)
    }

    func version(_ version: Int, of model: String) throws -> Version? {
        try database.query("SELECT * FROM model_versions WHERE model = ? AND version = ?", model, version).first.map(Self.version)
    }

    func versions(of model: String, in state: VersionState) throws -> [Version] {
        try database.query("SELECT * FROM model_versions WHERE model = ? AND state = ? ORDER BY version", model, state.rawValue).map(Self.version)
    }

    func production(of model: String) throws -> Version? { try versions(of: model, in: .production).first }

    /// The highest version number the registry has used for `model` (0 for none).
    func lastVersionNumber(of model: String) throws -> Int {
        try database.scalar("SELECT max(version) FROM model_versions WHERE model = ?", model)?.int ?? 0
    }

    func insert(_ version: Version) throws {
        try database.run(
            """
            INSERT INTO model_versions (model, version, state, origin, path, sha256, created_at, validation_auroc, retrain_run, gates)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            version.model, version.version, version.state.rawValue, version.origin, version.path, version.sha256,
            version.createdAt, version.validationAUROC, version.retrainRun, try version.gates.map(Self.json))
    }

    func setState(_ state: VersionState, of model: String, version: Int) throws {
        try database.run("UPDATE model_versions SET state = ? WHERE model = ? AND version = ?", state.rawValue, model, version)
    }

    func setShadow(_ report: GateReport, of model: String, version: Int) throws {
        try database.run("UPDATE model_versions SET shadow = ? WHERE model = ? AND version = ?", try Self.json(report), model, version)
    }

    func setProbation(_ report: GateReport, of model: String, version: Int) throws {
        try database.run("UPDATE model_versions SET probation = ? WHERE model = ? AND version = ?", try Self.json(report), model, version)
    }

    func startShadow(of model: String, version: Int, afterRow row: Int64) throws {
        try database.run("UPDATE model_versions SET shadow_after_row = ? WHERE model = ? AND version = ?", row, model, version)
    }

    func startProbation(of model: String, version: Int, at time: String, afterRow row: Int64, baselineAUROC: Double?) throws {
        try database.run(
            "UPDATE model_versions SET promoted_at = ?, probation_after_row = ?, probation_baseline_auroc = ?, probation = NULL WHERE model = ? AND version = ?",
            time, row, baselineAUROC, model, version)
    }

    func endProbation(of model: String, version: Int) throws {
        try database.run("UPDATE model_versions SET probation_after_row = NULL WHERE model = ? AND version = ?", model, version)
    }

    /// Records one transition in the history. Returns its sequence number.
    @discardableResult
    func append(_ kind: LifecycleEvent, model: String, version: Int?, from: VersionState?, to: VersionState?,
                actor: String, reason: String, details: [String: Any] = [:], at time: String) throws -> Int64 {
        let text = (try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try database.run(
            "INSERT INTO lifecycle_events (at, model, version, kind, from_state, to_state, actor, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            time, model, version, kind.rawValue, from?.rawValue, to?.rawValue, actor, reason, text)
        return database.lastInsertedRowID
    }

    /// Whether `model` is paused (by `vigil pause`), and why.
    func pauseState(of model: String) throws -> (paused: Bool, reason: String?) {
        guard let row = try database.query("SELECT status, reason FROM model_state WHERE model = ?", model).first else { return (false, nil) }
        return (row["status"].string == "paused", row["reason"].string)
    }

    /// The highest prediction row stored for `model` so far (0 for none).
    func lastPredictionRow(of model: String) throws -> Int64 {
        // `+model_key` (here and wherever rows are read by range): SQLite, which has no statistics,
        // would otherwise walk the (model_key, id) index over every prediction of the model.
        try database.scalar(
            "SELECT row FROM predictions WHERE +model_key = (SELECT key FROM model_keys WHERE name = ?) ORDER BY row DESC LIMIT 1", model)?.int64 ?? 0
    }

    // MARK: Retraining runs

    struct RetrainRun: Sendable, Equatable {
        var id: Int64
        var model: String
        var trigger: String
        var requestedBy: String
        var startedAt: String
        var status: String
    }

    func startRetrainRun(model: String, trigger: String, requestedBy: String, at time: String) throws -> Int64 {
        try database.run("INSERT INTO retrain_runs (model, trigger, requested_by, started_at, status) VALUES (?, ?, ?, ?, 'running')",
                         model, trigger, requestedBy, time)
        return database.lastInsertedRowID
    }

    func finishRetrainRun(_ id: Int64, succeeded: Bool, detail: String, candidate: Int?, at time: String) throws {
        try database.run("UPDATE retrain_runs SET status = ?, detail = ?, candidate = ?, finished_at = ? WHERE id = ?",
                         succeeded ? "succeeded" : "failed", detail, candidate, time, id)
    }

    func runningRetrainRuns() throws -> [RetrainRun] {
        try database.query("SELECT * FROM retrain_runs WHERE status = 'running' ORDER BY id").map { row in
            RetrainRun(id: row["id"].int64 ?? 0, model: row["model"].string ?? "", trigger: row["trigger"].string ?? "",
                       requestedBy: row["requested_by"].string ?? "", startedAt: row["started_at"].string ?? "", status: "running")
        }
    }

    /// When the last retraining of `model` started (Unix seconds), if any.
    func lastRetrainStart(of model: String) throws -> Double? {
        guard let text = try database.scalar("SELECT started_at FROM retrain_runs WHERE model = ? ORDER BY id DESC LIMIT 1", model)?.string else { return nil }
        return try? RFC3339Timestamp.unixSeconds(text)
    }

    // MARK: Rows

    static func version(_ row: Row) -> Version {
        func report(_ column: String) -> GateReport? {
            row[column].string.flatMap { try? JSONDecoder().decode(GateReport.self, from: Data($0.utf8)) }
        }
        return Version(
            model: row["model"].string ?? "", version: row["version"].int ?? 0,
            state: row["state"].string.flatMap(VersionState.init(rawValue:)) ?? .retired,
            origin: row["origin"].string ?? "", path: row["path"].string ?? "", sha256: row["sha256"].string ?? "",
            createdAt: row["created_at"].string ?? "", validationAUROC: row["validation_auroc"].double,
            retrainRun: row["retrain_run"].int64, gates: report("gates"), shadow: report("shadow"),
            shadowAfterRow: row["shadow_after_row"].int64, promotedAt: row["promoted_at"].string,
            probationAfterRow: row["probation_after_row"].int64, probationBaselineAUROC: row["probation_baseline_auroc"].double,
            probation: report("probation"))
    }

    static func json(_ report: GateReport) throws -> String {
        String(decoding: try JSONEncoder.sortedKeys.encode(report), as: UTF8.self)
    }
}
