import Foundation
import VigilStore

/// What one model's ingestion needs to know to apply its lines.
struct IngestionModelSettings: Sendable {
    var name: String
    var labelHorizon: TimeSpan
    /// Predictions older than this before the newest labeled one are deleted (`retrain.training_window`).
    var trainingWindow = RetrainSettings().trainingWindow
    var window: WindowConfig = .default
    var layout = WindowLayout(numeric: [], categorical: [], subgroups: [])
}

/// Applies batches of ingested lines to the state database: predictions and outcomes joined
/// by (model, id), duplicates and bad lines quarantined, expired waits counted, counters
/// updated, and each log's checkpoint saved — all in the caller's one transaction, which is
/// what makes every line's effects happen exactly once.
struct IngestionWriter {
    let database: Database

    /// What applying a batch did, for the journal.
    struct Outcome {
        var quarantined: [QuarantinedLine] = []
        /// Windows this batch closed: the monitor evaluates them.
        var closedWindows = 0
        /// Predictions joined to their outcomes by this batch.
        var joined: Int64 = 0
    }

    /// The segment row a batch's prediction lines are stored in: which rows and expiry times it holds.
    private struct Segment {
        let id: Int64
        var firstRow: Int64?
        var lastRow: Int64 = 0
        var minExpiry = Double.infinity
        var maxExpiry = -Double.infinity
        var maxTimestamp = -Double.infinity

        /// Records that the prediction in `row` was stored, with its ts and expiry.
        mutating func noteStored(row: Int64, timestamp: Double, expiry: Double) {
            firstRow = min(firstRow ?? row, row)
            lastRow = max(lastRow, row)
            minExpiry = min(minExpiry, expiry)
            maxExpiry = max(maxExpiry, expiry)
            maxTimestamp = max(maxTimestamp, timestamp)
        }
    }

    /// Counter changes for one model, written once per batch.
    private struct Delta {
        var predictions: Int64 = 0
        var outcomes: Int64 = 0
        var joined: Int64 = 0
        var quarantined: Int64 = 0
        var foreign: Int64 = 0
        var pendingPredictions: Int64 = 0
        var pendingOutcomes: Int64 = 0
        var unlabeled: Int64 = 0
        var orphaned: Int64 = 0
        var deleted: Int64 = 0
        var lastPredictionTimestamp: Double?
        var outcomeWatermark: Double?
    }

    /// Applies `batch` for `model`. Call inside a transaction.
    func apply(_ batch: IngestionBatch, for model: IngestionModelSettings, now: Double) throws -> Outcome {
        let horizon = Double(model.labelHorizon.seconds)
        var result = Outcome()
        var delta = Delta()
        try database.run("INSERT INTO model_stats (model) VALUES (?) ON CONFLICT DO NOTHING", model.name)
        let stats = try database.query(
            "SELECT pending_outcomes, prediction_watermark, outcome_watermark FROM model_stats WHERE model = ?", model.name
        ).first
        var pendingOutcomes = stats?["pending_outcomes"].int64 ?? 0
        try database.run("INSERT INTO model_keys (name) VALUES (?) ON CONFLICT DO NOTHING", model.name)
        guard let modelKey = try database.scalar("SELECT key FROM model_keys WHERE name = ?", model.name)?.int64 else {
            throw SQLiteError(extendedCode: 1, message: "no key for model \(model.name)")
        }
        var predictionWatermark = stats?["prediction_watermark"].double
        var outcomeWatermark = stats?["outcome_watermark"].double
        var window = try WindowAppender(database: database, model: model, now: now)
        let subgroups = SubgroupKeys(database: database, model: model)

        // This batch's prediction lines go into one segment row, written once at the end.
        var segment: Segment?
        var subgroupKeys: [Int64?] = []
        if batch.hasPredictions {
            try database.run(
                "INSERT INTO prediction_segments (model, first_row, last_row, min_expires_at, max_expires_at, lines) VALUES (?, 0, 0, 0, 0, x'')",
                model.name)
            segment = Segment(id: database.lastInsertedRowID)
            subgroupKeys = try batch.subgroups.map { try subgroups.key(for: $0) }
        }

        func quarantine(_ line: QuarantinedLine) throws {
            try database.run(
                """
                INSERT INTO quarantine (model, stream, path, byte_offset, line, reason, detail, excerpt, quarantined_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                line.model, line.stream.rawValue, line.path, line.offset, line.line,
                line.reason.code.rawValue, line.reason.detail, line.excerpt, now)
            delta.quarantined += 1
            result.quarantined.append(line)
        }

        /// The row the next stored prediction gets. The writer numbers rows itself, so that a
        /// multi-row INSERT needs no RETURNING to tell which rows it stored.
        var nextRow: Int64?

        /// Stores a run of consecutive predictions with multi-row inserts (the per-statement cost
        /// dominates single-row inserts), then quarantines duplicates and joins waiting outcomes,
        /// in line order. A duplicate's bytes stay in the segment, unreferenced, and its row
        /// number stays unused.
        func storePredictions(_ group: ArraySlice<IngestionBatch.Item>) throws {
            guard let segmentID = segment?.id else { return }
            var next = try nextRow ?? (database.scalar("SELECT max(row) FROM predictions")?.int64 ?? 0) + 1
            // The row each prediction of the group was stored in; nil for a duplicate.
            var rows = [Int64?](repeating: nil, count: group.count)
            var position = group.startIndex
            while position < group.endIndex {
                let end = min(position + Self.rowsPerInsert, group.endIndex)
                let first = next
                let insert = try database.statement(Self.insertPredictionsSQL(rows: end - position))
                var index: Int32 = 1
                for item in group[position..<end] {
                    guard case .prediction(let record, _) = item else { continue }
                    insert.bind(next, at: index)
                    insert.bind(modelKey, at: index + 1)
                    insert.bind(record.id, at: index + 2)
                    insert.bind(record.timestamp, at: index + 3)
                    insert.bind(record.timestamp + horizon, at: index + 4)
                    insert.bind(record.score, at: index + 5)
                    insert.bind(record.version, at: index + 6)
                    insert.bind(segmentID, at: index + 7)
                    insert.bind(Int64(record.lineStart), at: index + 8)
                    insert.bind(Int64(record.lineLength), at: index + 9)
                    insert.bind(record.subgroup.flatMap { subgroupKeys[$0] }, at: index + 10)
                    index += 11
                    next += 1
                }
                let stored = try insert.execute()
                let offset = position - group.startIndex
                if stored == end - position {
                    for k in 0..<(end - position) { rows[offset + k] = first + Int64(k) }
                } else {
                    // A duplicate id was skipped, leaving its row number unused: the rows that
                    // exist in the range are the predictions stored.
                    let existing = try database.statement("SELECT row FROM predictions WHERE row BETWEEN ? AND ?")
                    existing.bind(first, at: 1)
                    existing.bind(next - 1, at: 2)
                    try existing.forEachRow { row in rows[offset + Int(row.int64(at: 0) - first)] = row.int64(at: 0) }
                }
                position = end
            }
            nextRow = next
            for (offset, item) in group.enumerated() {
                guard case .prediction(let record, let location) = item else { continue }
                guard let row = rows[offset] else {
                    try quarantine(Self.duplicate(model: model.name, stream: .predictions, id: record.id, at: location))
                    continue
                }
                segment?.noteStored(row: row, timestamp: record.timestamp, expiry: record.timestamp + horizon)
                try window.append(row: row, timestamp: record.timestamp)
                delta.predictions += 1
                delta.pendingPredictions += 1
                delta.lastPredictionTimestamp = max(delta.lastPredictionTimestamp ?? record.timestamp, record.timestamp)
                predictionWatermark = max(predictionWatermark ?? record.timestamp, record.timestamp)
                // An outcome that came first waits in `outcomes`; skip the lookup when none waits.
                guard pendingOutcomes > 0 else { continue }
                let lookup = try database.statement("SELECT ts, label FROM outcomes WHERE model = ? AND id = ? AND status = 'pending'")
                lookup.bind(model.name, at: 1)
                lookup.bind(record.id, at: 2)
                guard let (outcomeTimestamp, label) = try lookup.firstRow({ ($0.double(at: 0), $0.int64(at: 1)) }) else { continue }
                pendingOutcomes -= 1
                delta.pendingOutcomes -= 1
                delta.pendingPredictions -= 1
                if outcomeTimestamp <= record.timestamp + horizon {
                    try join(model: model.name, key: modelKey, id: record.id, label: label, outcomeTimestamp: outcomeTimestamp)
                    delta.joined += 1
                    result.joined += 1
                } else {
                    try settleLate(model: model.name, key: modelKey, id: record.id)
                    delta.unlabeled += 1
                    delta.orphaned += 1
                }
            }
        }

        // Runs of consecutive predictions are stored together; anything else is applied in order.
        var runStart: Int?
        for (position, item) in batch.items.enumerated() {
            if case .prediction = item {
                if runStart == nil { runStart = position }
                continue
            }
            if let start = runStart {
                try storePredictions(batch.items[start..<position])
                runStart = nil
            }
            switch item {
            case .foreign:
                delta.foreign += 1

            case .quarantined(let line):
                try quarantine(line)

            case .prediction:
                break

            case .outcome(let record, let location):
                let insert = try database.statement("""
                    INSERT INTO outcomes (model, id, ts, expires_at, label, status)
                    VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING
                    """)
                insert.bind(model.name, at: 1)
                insert.bind(record.id, at: 2)
                insert.bind(record.timestamp, at: 3)
                insert.bind(record.timestamp + horizon, at: 4)
                insert.bind(Int64(record.label ? 1 : 0), at: 5)
                guard try insert.execute() == 1 else {
                    try quarantine(Self.duplicate(model: model.name, stream: .outcomes, id: record.id, at: location))
                    continue
                }
                delta.outcomes += 1
                outcomeWatermark = max(outcomeWatermark ?? record.timestamp, record.timestamp)
                delta.outcomeWatermark = outcomeWatermark
                let lookup = try database.statement("SELECT ts, status FROM predictions WHERE model_key = ? AND id = ?")
                lookup.bind(modelKey, at: 1)
                lookup.bind(record.id, at: 2)
                let prediction = try lookup.firstRow { ($0.double(at: 0), $0.string(at: 1)) }
                switch (prediction?.1, prediction?.0) {
                case ("pending", let predictionTimestamp?):
                    delta.pendingPredictions -= 1
                    if record.timestamp <= predictionTimestamp + horizon {
                        try join(model: model.name, key: modelKey, id: record.id, label: record.label ? 1 : 0, outcomeTimestamp: record.timestamp)
                        delta.joined += 1
                        result.joined += 1
                    } else {
                        try settleLate(model: model.name, key: modelKey, id: record.id)
                        delta.unlabeled += 1
                        delta.orphaned += 1
                    }
                case ("unlabeled", _), ("joined", _):
                    // Its prediction's wait is over: the outcome can no longer be joined.
                    try database.run("UPDATE outcomes SET status = 'orphaned' WHERE model = ? AND id = ?", model.name, record.id)
                    delta.orphaned += 1
                default:
                    pendingOutcomes += 1
                    delta.pendingOutcomes += 1
                }
            }
        }

        if let start = runStart { try storePredictions(batch.items[start...]) }

        if let segment {
            if let firstRow = segment.firstRow {
                let update = try database.statement(
                    "UPDATE prediction_segments SET first_row = ?, last_row = ?, min_expires_at = ?, max_expires_at = ?, max_ts = ?, lines_size = ?, lines = ? WHERE segment = ?")
                let lines = batch.storedPredictionLines
                update.bind(firstRow, at: 1)
                update.bind(segment.lastRow, at: 2)
                update.bind(segment.minExpiry, at: 3)
                update.bind(segment.maxExpiry, at: 4)
                update.bind(segment.maxTimestamp, at: 5)
                update.bind(lines.size.map(Int64.init), at: 6)
                update.bind(segment.id, at: 8)
                try update.execute(bindingWithoutCopy: lines.bytes, at: 7)
            } else {
                // Every prediction in the batch was a duplicate.
                try database.run("DELETE FROM prediction_segments WHERE segment = ?", segment.id)
            }
        }

        // Waits that are over, judged on event time so that replayed logs behave as live ones:
        // a prediction's outcome is overdue once the outcome log has passed its ts + horizon;
        // an outcome's prediction once the prediction log has passed the outcome's ts + horizon.
        if let outcomeWatermark {
            let expired = try expirePredictions(model: model.name, before: outcomeWatermark)
            delta.unlabeled += expired
            delta.pendingPredictions -= expired
        }
        if let predictionWatermark {
            let expired = Int64(try database.run(
                "UPDATE outcomes SET status = 'orphaned' WHERE model = ? AND status = 'pending' AND expires_at < ?",
                model.name, predictionWatermark))
            delta.orphaned += expired
            delta.pendingOutcomes -= expired
        }

        result.closedWindows = try window.finish(quarantined: delta.quarantined)
        // After the windows, so that a window this batch opened keeps its rows.
        delta.deleted = try PredictionRetention(database: database).deleteExpired(model: model.name, key: modelKey, keeping: model.trainingWindow)

        for (name, count) in batch.unknownFeatures {
            try database.run(
                "INSERT INTO unknown_features (model, name, count) VALUES (?, ?, ?) ON CONFLICT (model, name) DO UPDATE SET count = count + excluded.count",
                model.name, name, count)
        }
        try database.run(
            """
            UPDATE model_stats SET
                predictions_ingested = predictions_ingested + ?,
                outcomes_ingested = outcomes_ingested + ?,
                joined = joined + ?,
                quarantined = quarantined + ?,
                foreign_lines = foreign_lines + ?,
                pending_predictions = pending_predictions + ?,
                pending_outcomes = pending_outcomes + ?,
                predictions_unlabeled = predictions_unlabeled + ?,
                outcomes_orphaned = outcomes_orphaned + ?,
                predictions_deleted = predictions_deleted + ?,
                last_prediction_ts = max(coalesce(last_prediction_ts, ?), ?),
                prediction_watermark = ?,
                outcome_watermark = ?
            WHERE model = ?
            """,
            delta.predictions, delta.outcomes, delta.joined, delta.quarantined, delta.foreign,
            delta.pendingPredictions, delta.pendingOutcomes, delta.unlabeled, delta.orphaned, delta.deleted,
            delta.lastPredictionTimestamp, delta.lastPredictionTimestamp,
            predictionWatermark, outcomeWatermark, model.name)
        return result
    }

    /// How many predictions one INSERT statement stores.
    static let rowsPerInsert = 64

    /// `INSERT … VALUES (…), (…) … ON CONFLICT DO NOTHING` for `rows` predictions, each with its row
    /// number: a prediction whose id is already stored is skipped.
    static func insertPredictionsSQL(rows: Int) -> String {
        let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')", count: rows).joined(separator: ", ")
        return "INSERT INTO predictions (row, model_key, id, ts, expires_at, score, version, segment, line_start, line_length, subgroup, status) VALUES "
            + values + " ON CONFLICT DO NOTHING"
    }

    /// Marks pending predictions whose wait ended before `watermark` as unlabeled; returns how many.
    ///
    /// Only segments holding a prediction that can have expired are visited, each by its row
    /// range; a segment wholly past the watermark is marked swept and never visited again.
    private func expirePredictions(model: String, before watermark: Double) throws -> Int64 {
        var expired: Int64 = 0
        let segments = try database.query(
            "SELECT segment, first_row, last_row, max_expires_at FROM prediction_segments WHERE model = ? AND swept = 0 AND min_expires_at < ?",
            model, watermark)
        for segment in segments {
            guard let id = segment["segment"].int64, let first = segment["first_row"].int64,
                  let last = segment["last_row"].int64, let latest = segment["max_expires_at"].double else { continue }
            expired += Int64(try database.run(
                "UPDATE predictions SET status = 'unlabeled' WHERE row BETWEEN ? AND ? AND status = 'pending' AND expires_at < ?",
                first, last, watermark))
            if latest < watermark {
                try database.run("UPDATE prediction_segments SET swept = 1 WHERE segment = ?", id)
            }
        }
        return expired
    }

    /// Saves where reading `stream` of `model` stands.
    func saveCheckpoint(_ checkpoint: TailCheckpoint, model: String, stream: LogStream, path: String) throws {
        let identity = checkpoint.identity
        try database.run(
            """
            INSERT INTO file_checkpoints (model, stream, path, device, inode, fingerprint, fingerprint_length, byte_offset, line, rotations, truncations)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (model, stream) DO UPDATE SET
                path = excluded.path, device = excluded.device, inode = excluded.inode,
                fingerprint = excluded.fingerprint, fingerprint_length = excluded.fingerprint_length,
                byte_offset = excluded.byte_offset, line = excluded.line,
                rotations = excluded.rotations, truncations = excluded.truncations
            """,
            model, stream.rawValue, path,
            identity.map { Int64(bitPattern: $0.device) }, identity.map { Int64(bitPattern: $0.inode) },
            identity.map { Int64(bitPattern: $0.fingerprint) }, identity.map { $0.fingerprintLength },
            checkpoint.offset, checkpoint.line, checkpoint.rotations, checkpoint.truncations)
    }

    /// The saved checkpoint of `stream` of `model`, when it was saved for the same path.
    func loadCheckpoint(model: String, stream: LogStream, path: String) throws -> TailCheckpoint? {
        guard let row = try database.query(
            "SELECT * FROM file_checkpoints WHERE model = ? AND stream = ?", model, stream.rawValue
        ).first, row["path"].string == path else { return nil }
        var identity: FileIdentity?
        if let device = row["device"].int64, let inode = row["inode"].int64, let fingerprint = row["fingerprint"].int64,
           let length = row["fingerprint_length"].int {
            identity = FileIdentity(device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode),
                                    fingerprint: UInt64(bitPattern: fingerprint), fingerprintLength: length)
        }
        return TailCheckpoint(identity: identity, offset: row["byte_offset"].int64 ?? 0, line: row["line"].int64 ?? 0,
                              rotations: row["rotations"].int64 ?? 0, truncations: row["truncations"].int64 ?? 0)
    }

    private func join(model: String, key: Int64, id: String, label: Int64, outcomeTimestamp: Double) throws {
        let prediction = try database.statement("UPDATE predictions SET status = 'joined', label = ?, outcome_ts = ? WHERE model_key = ? AND id = ?")
        prediction.bind(label, at: 1)
        prediction.bind(outcomeTimestamp, at: 2)
        prediction.bind(key, at: 3)
        prediction.bind(id, at: 4)
        try prediction.execute()
        let outcome = try database.statement("UPDATE outcomes SET status = 'joined' WHERE model = ? AND id = ?")
        outcome.bind(model, at: 1)
        outcome.bind(id, at: 2)
        try outcome.execute()
    }

    /// An outcome that came after its prediction's horizon: neither is joined.
    private func settleLate(model: String, key: Int64, id: String) throws {
        try database.run("UPDATE predictions SET status = 'unlabeled' WHERE model_key = ? AND id = ?", key, id)
        try database.run("UPDATE outcomes SET status = 'orphaned' WHERE model = ? AND id = ?", model, id)
    }

    private static func duplicate(model: String, stream: LogStream, id: String, at location: IngestionBatch.LineLocation) -> QuarantinedLine {
        let what = stream == .predictions ? "a prediction" : "an outcome"
        return QuarantinedLine(
            model: model, stream: stream, path: location.path, offset: location.offset, line: location.line,
            reason: QuarantineReason(.duplicate, "\(what) with this id was already ingested (the id is in the excerpt)"),
            excerpt: Array("{\"id\":\"\(id.prefix(200))\"}".utf8))
    }
}
