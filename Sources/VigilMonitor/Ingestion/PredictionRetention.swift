import VigilStore

/// Deletes the predictions no reader needs any more, so that the state database stops growing
/// with everything ever ingested: those older than the model's `retrain.training_window`
/// (measured back from its newest labeled prediction, as the training export measures it),
/// with their stored lines, their shadow scores and their settled outcomes.
///
/// Runs in the ingestion transaction, a few segments at a time, and only deletes a segment
///   - that is swept: none of its predictions still waits for an outcome;
///   - whose newest `ts` is before the cutoff, so the training export, which reads from the
///     cutoff on, never wanted its rows (a segment stored before `max_ts` existed is judged by
///     its latest expiry, `ts` plus horizon, which is never earlier);
///   - whose rows all come before the first window not yet evaluated;
///   - that is not the newest segment, which holds the highest row: rows are numbered from it.
struct PredictionRetention {
    let database: Database

    /// At most this many segments (of up to a hand-over of lines each) are deleted per commit,
    /// so that catching up after an upgrade or a shortened window never makes one commit long.
    static let segmentsPerCommit = 4
    /// At most this many orphaned outcomes are deleted per commit.
    static let orphanedOutcomesPerCommit = 4_096

    /// The segments that may go (model, cutoff, first row still needed, limit), oldest first,
    /// through the `prediction_segments_swept` index.
    static let candidatesSQL = """
        SELECT segment, first_row, last_row FROM prediction_segments
        WHERE model = ? AND swept = 1 AND coalesce(max_ts, max_expires_at) < ? AND last_row < ?
          AND segment < (SELECT max(segment) FROM prediction_segments)
        ORDER BY coalesce(max_ts, max_expires_at) LIMIT ?
        """

    /// Deletes what `model` (prediction key `key`) keeps no longer; returns how many predictions were deleted.
    func deleteExpired(model: String, key: Int64, keeping window: TimeSpan) throws -> Int64 {
        guard let newest = try database.scalar(
            "SELECT max(ts) FROM predictions WHERE model_key = ? AND status = 'joined'", key)?.double else { return 0 }
        let cutoff = newest - Double(window.seconds)
        // Through the unevaluated windows' index: the evaluated ones, kept for good, are never read.
        let firstUnevaluated = try database.scalar(
            "SELECT min(first_row) FROM windows INDEXED BY windows_unevaluated WHERE model = ? AND status != 'evaluated'", model
        )?.int64 ?? .max
        let segments = try database.query(Self.candidatesSQL, model, cutoff, firstUnevaluated, Self.segmentsPerCommit)
        var deleted: Int64 = 0
        if !segments.isEmpty {
            let versions = try database.query("SELECT version FROM model_versions WHERE model = ?", model).compactMap { $0["version"].int64 }
            for segment in segments {
                guard let id = segment["segment"].int64, let first = segment["first_row"].int64,
                      let last = segment["last_row"].int64 else { continue }
                // Outcomes joined to (or too late for) these predictions go with them. `+model_key`
                // keeps SQLite on the row range instead of the model's whole id index.
                try database.run(
                    """
                    DELETE FROM outcomes WHERE model = ? AND status != 'pending'
                      AND id IN (SELECT id FROM predictions WHERE row BETWEEN ? AND ? AND +model_key = ?)
                    """,
                    model, first, last, key)
                for version in versions {
                    try database.run(
                        "DELETE FROM shadow_scores WHERE model = ? AND version = ? AND row BETWEEN ? AND ?", model, version, first, last)
                }
                deleted += Int64(try database.run("DELETE FROM predictions WHERE row BETWEEN ? AND ? AND +model_key = ?", first, last, key))
                try database.run("DELETE FROM prediction_segments WHERE segment = ?", id)
            }
        }
        // Outcomes whose prediction never came in time.
        try database.run(
            """
            DELETE FROM outcomes WHERE model = ? AND id IN (
                SELECT id FROM outcomes WHERE model = ? AND status = 'orphaned' AND ts < ? LIMIT ?)
            """,
            model, model, cutoff, Self.orphanedOutcomesPerCommit)
        return deleted
    }
}
