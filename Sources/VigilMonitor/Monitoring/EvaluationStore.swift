import Foundation
import VigilStore

/// The monitor's reads and writes of the state database: closed windows and their chunks,
/// recent labeled predictions, reference profiles, evaluations and alert states.
struct EvaluationStore {
    let database: Database

    struct ClosedWindow {
        var seq: Int64
        var start: Double?
        var end: Double?
        var count: Int
        var quarantined: Int
        var firstRow: Int64?
        var lastRow: Int64?
    }

    /// Windows closed and not yet evaluated, oldest first.
    func closedWindows(model: String) throws -> [ClosedWindow] {
        // Evaluated windows are kept for good, so this goes through the index of the others
        // (the redundant `!= 'evaluated'` is what lets SQLite use that partial index).
        try database.query(
            """
            SELECT seq, start_ts, end_ts, count, quarantined, first_row, last_row FROM windows INDEXED BY windows_unevaluated
            WHERE model = ? AND status != 'evaluated' AND status = 'closed' ORDER BY seq
            """,
            model
        ).map {
            ClosedWindow(seq: $0["seq"].int64 ?? 0, start: $0["start_ts"].double, end: $0["end_ts"].double,
                         count: $0["count"].int ?? 0, quarantined: $0["quarantined"].int ?? 0,
                         firstRow: $0["first_row"].int64, lastRow: $0["last_row"].int64)
        }
    }

    /// The end (prediction time) of the model's last evaluated window, if any.
    func lastEvaluatedWindowEnd(model: String) throws -> Double? {
        try database.scalar("SELECT max(end_ts) FROM windows WHERE model = ? AND status = 'evaluated'", model)?.double
    }

    /// Closes the open duration window of `model` when nothing was added to it for `after` seconds of wall time.
    @discardableResult
    func closeIdleWindow(model: String, idleSince: Double, now: Double) throws -> Bool {
        try database.run(
            "UPDATE windows SET status = 'closed', closed_at = ? WHERE model = ? AND status = 'open' AND count > 0 AND updated_at < ?",
            now, model, idleSince) > 0
    }

    /// The values of a window's predictions, read from their stored lines and laid out by
    /// `layout`; with how many lines could not be read back (none, unless the file was damaged).
    func windowData(model: String, window: ClosedWindow, layout: WindowLayout) throws -> (data: WindowData, unreadable: Int) {
        var data = WindowData(layout: layout)
        guard let first = window.firstRow, let last = window.lastRow,
              let key = try database.scalar("SELECT key FROM model_keys WHERE name = ?", model)?.int64 else { return (data, 0) }
        // `+model_key` keeps SQLite on the row range instead of the model's whole id index.
        let rows = try database.statement(
            "SELECT segment, line_start, line_length FROM predictions WHERE row BETWEEN ? AND ? AND +model_key = ? ORDER BY row")
        rows.bind(first, at: 1)
        rows.bind(last, at: 2)
        rows.bind(key, at: 3)
        var positions: [(segment: Int64, start: Int, length: Int)] = []
        try rows.forEachRow { row in positions.append((row.int64(at: 0), Int(row.int64(at: 1)), Int(row.int64(at: 2)))) }
        var unreadable = 0
        var lines = SegmentLines.Reader(database: database)
        for position in positions {
            guard let record = try lines.prediction(segment: position.segment, start: position.start, length: position.length) else {
                unreadable += 1
                continue
            }
            data.append(layout.row(of: record))
        }
        return (data, unreadable)
    }

    /// The most recent `limit` joined predictions of `model` made at or before `until`
    /// (prediction time; all when nil), by prediction time: a window is judged on the outcomes
    /// of its own time, so replayed logs give the same evaluations as live ones. With `version`,
    /// only that version's predictions (and those that name none): the realized performance of
    /// the version in production, not of the one before it.
    func labeledSample(model: String, subgroupNames: [String], limit: Int, until: Double? = nil, version: String? = nil) throws -> LabeledSample {
        var sample = LabeledSample(subgroupNames: subgroupNames)
        guard let key = try database.scalar("SELECT key FROM model_keys WHERE name = ?", model)?.int64 else { return sample }
        // Subgroup keys to values, matched to the configured names (keys written under another list of names map by name).
        var values: [Int64: [String?]] = [:]
        for row in try database.query("SELECT key, names, \"values\" FROM subgroup_keys WHERE model = ?", model) {
            guard let id = row["key"].int64 else { continue }
            let names = (row["names"].string ?? "").components(separatedBy: SubgroupKeys.separator)
            let stored = (row["values"].string ?? "").components(separatedBy: SubgroupKeys.separator)
            values[id] = subgroupNames.map { name in
                names.firstIndex(of: name).flatMap { stored.indices.contains($0) && !stored[$0].isEmpty ? stored[$0] : nil }
            }
        }
        let none = Array(repeating: String?.none, count: subgroupNames.count)
        let versionFilter = version == nil ? "" : " AND (version IS NULL OR version = ?)"
        let statement = try database.statement(
            "SELECT score, label, subgroup FROM predictions WHERE model_key = ? AND status = 'joined' AND ts <= ?\(versionFilter) ORDER BY ts DESC LIMIT ?")
        statement.bind(key, at: 1)
        statement.bind(until ?? .infinity, at: 2)
        if let version {
            statement.bind(version, at: 3)
            statement.bind(Int64(limit), at: 4)
        } else {
            statement.bind(Int64(limit), at: 3)
        }
        try statement.forEachRow { row in
            sample.scores.append(row.double(at: 0))
            sample.labels.append(row.int64(at: 1) == 1)
            sample.subgroups.append(values[row.int64(at: 2)] ?? none)  // NULL reads as 0, which is no key
        }
        return sample
    }

    struct Counters {
        var predictions: Int64
        var quarantined: Int64
        var joined: Int64
        var pendingPredictions: Int64
        var predictionWatermark: Double?
        var outcomeWatermark: Double?
    }

    func counters(model: String) throws -> Counters {
        let row = try database.query(
            "SELECT predictions_ingested, quarantined, joined, pending_predictions, prediction_watermark, outcome_watermark FROM model_stats WHERE model = ?",
            model).first
        return Counters(
            predictions: row?["predictions_ingested"].int64 ?? 0, quarantined: row?["quarantined"].int64 ?? 0,
            joined: row?["joined"].int64 ?? 0, pendingPredictions: row?["pending_predictions"].int64 ?? 0,
            predictionWatermark: row?["prediction_watermark"].double, outcomeWatermark: row?["outcome_watermark"].double)
    }

    /// Features the model's schema does not list, with how often predictions had them.
    func unknownFeatures(model: String) throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for row in try database.query("SELECT name, count FROM unknown_features WHERE model = ?", model) {
            if let name = row["name"].string { counts[name] = row["count"].int64 ?? 0 }
        }
        return counts
    }

    // MARK: Reference profiles

    func baseline(model: String) throws -> ModelReference? {
        guard let text = try database.scalar("SELECT profile FROM reference_profiles WHERE model = ?", model)?.string else { return nil }
        return try JSONDecoder().decode(ModelReference.self, from: Data(text.utf8))
    }

    func saveBaseline(_ reference: ModelReference, model: String, now: Double) throws {
        let text = String(decoding: try JSONEncoder().encode(reference), as: UTF8.self)
        try database.run(
            "INSERT INTO reference_profiles (model, source, created_at, profile) VALUES (?, ?, ?, ?) ON CONFLICT (model) DO UPDATE SET source = excluded.source, created_at = excluded.created_at, profile = excluded.profile",
            model, reference.source, now, text)
    }

    // MARK: Evaluations

    /// Stores an evaluation with its per-feature rows; for a window evaluation, marks the
    /// window evaluated. Call inside a transaction.
    func save(_ evaluation: Evaluation, windowStart: Double?, windowEnd: Double?, now: Double) throws {
        let details = String(decoding: try JSONEncoder.sortedKeys.encode(evaluation), as: UTF8.self)
        let performance = evaluation.performance
        try database.run(
            """
            INSERT INTO evaluations (model, kind, version, window_seq, window_start, window_end, evaluated_at, n, drifted_share,
                score_psi, performance_n, auroc, auroc_low, auroc_high, ece, sensitivity, specificity,
                estimated_auroc, estimated_sensitivity, details)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                .text(evaluation.model), .text(evaluation.kind.rawValue), evaluation.version.sqlValue, evaluation.windowSeq.sqlValue,
                windowStart.sqlValue, windowEnd.sqlValue, .real(now), .integer(Int64(evaluation.n)), evaluation.driftedShare.sqlValue,
                (evaluation.score?.psi).sqlValue, (performance.map { Int64($0.n) }).sqlValue, (performance?.auroc).sqlValue,
                (performance?.aurocCI?.first).sqlValue, (performance?.aurocCI?.last).sqlValue, (performance?.ece).sqlValue,
                (performance?.sensitivity).sqlValue, (performance?.specificity).sqlValue, (performance?.estimatedAUROC).sqlValue,
                (performance?.estimatedSensitivity).sqlValue, .text(details),
            ])
        let id = database.lastInsertedRowID
        for feature in evaluation.features {
            try database.run(
                """
                INSERT INTO evaluation_features (evaluation, feature, subgroup, type, n, psi, ks_statistic, ks_pvalue, ks_pvalue_adjusted,
                    wasserstein, jensen_shannon, chi2, chi2_pvalue, missing_share, unseen_share, drifted)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: [
                    .integer(id), .text(feature.name), .text(feature.subgroup ?? ""), .text(feature.type.rawValue), .integer(Int64(feature.n)),
                    feature.psi.sqlValue, feature.ksStatistic.sqlValue, feature.ksPValue.sqlValue, feature.ksPValueAdjusted.sqlValue,
                    feature.wasserstein.sqlValue, feature.jensenShannon.sqlValue, (feature.chi2).sqlValue, (feature.chi2PValue).sqlValue,
                    feature.missingShare.sqlValue, feature.unseenShare.sqlValue, .integer(feature.drifted ? 1 : 0),
                ])
        }
        if let seq = evaluation.windowSeq {
            try database.run("UPDATE windows SET status = 'evaluated' WHERE model = ? AND seq = ?", evaluation.model, seq)
        }
    }

    // MARK: Alert states

    func alertStates(model: String) throws -> [AlertKey: AlertState] {
        var states: [AlertKey: AlertState] = [:]
        for row in try database.query("SELECT * FROM alert_states WHERE model = ?", model) {
            guard let rule = row["rule"].string.flatMap(AlertRule.init(rawValue:)) else { continue }
            func optional(_ column: String) -> String? { row[column].string.flatMap { $0.isEmpty ? nil : $0 } }
            let key = AlertKey(model: model, rule: rule, feature: optional("feature"), subgroup: optional("subgroup"), check: optional("check"))
            var state = AlertState()
            state.phase = row["state"].string.flatMap(AlertState.Phase.init(rawValue:)) ?? .inactive
            state.breaches = row["breaches"].int ?? 0
            state.clears = row["clears"].int ?? 0
            state.resolvedAt = row["resolved_at_ts"].double
            state.alert = try row["alert"].string.map { try JSONDecoder().decode(Alert.self, from: Data($0.utf8)) }
            states[key] = state
        }
        return states
    }

    /// Where one key's state machine stands (`inactive` when it has none), without decoding its alert.
    func phase(of key: AlertKey) throws -> AlertState.Phase {
        try database.scalar(
            "SELECT state FROM alert_states WHERE model = ? AND rule = ? AND feature = ? AND subgroup = ? AND \"check\" = ?",
            key.model, key.rule.rawValue, key.feature ?? "", key.subgroup ?? "", key.check ?? ""
        )?.string.flatMap(AlertState.Phase.init(rawValue:)) ?? .inactive
    }

    func save(_ state: AlertState, for key: AlertKey, now: Double) throws {
        let alert = try state.alert.map { String(decoding: try JSONEncoder.sortedKeys.encode($0), as: UTF8.self) }
        try database.run(
            """
            INSERT INTO alert_states (model, rule, feature, subgroup, "check", state, breaches, clears, resolved_at_ts, alert, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (model, rule, feature, subgroup, "check") DO UPDATE SET
                state = excluded.state, breaches = excluded.breaches, clears = excluded.clears,
                resolved_at_ts = excluded.resolved_at_ts, alert = excluded.alert, updated_at = excluded.updated_at
            """,
            arguments: [
                .text(key.model), .text(key.rule.rawValue), .text(key.feature ?? ""), .text(key.subgroup ?? ""), .text(key.check ?? ""),
                .text(state.phase.rawValue), .integer(Int64(state.breaches)), .integer(Int64(state.clears)),
                state.resolvedAt.sqlValue, alert.sqlValue, .real(now),
            ])
    }

    func recordTransition(_ alert: Alert, now: Double) throws {
        let text = String(decoding: try JSONEncoder.sortedKeys.encode(alert), as: UTF8.self)
        try database.run("INSERT INTO alert_events (at, model, status, alert) VALUES (?, ?, ?, ?)",
                         now, alert.key.model, alert.status.rawValue, text)
    }

    /// Every alert now firing, of every model.
    func firingAlerts() throws -> [Alert] {
        try database.query("SELECT alert FROM alert_states WHERE state = 'firing' AND alert IS NOT NULL ORDER BY model, rule, feature, subgroup")
            .compactMap { row in try row["alert"].string.map { try JSONDecoder().decode(Alert.self, from: Data($0.utf8)) } }
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so that stored JSON is stable.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
