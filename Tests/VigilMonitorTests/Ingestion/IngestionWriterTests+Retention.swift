import Testing
import VigilStore
@testable import VigilMonitor

/// Retention: what is older than the training window is deleted, and nothing a reader still needs.
extension IngestionWriterTests {
    /// The test model with a two-hour training window (its horizon is one hour).
    var shortMemory: IngestionModelSettings {
        var settings = model
        settings.trainingWindow = .hours(2)
        return settings
    }

    func ids() throws -> [String] {
        try database.query("SELECT id FROM predictions ORDER BY row").compactMap { $0["id"].string }
    }

    func markWindowsEvaluated() throws {
        try database.run("UPDATE windows SET status = 'evaluated' WHERE status = 'closed'")
    }

    @Test("predictions older than the training window go with their lines, shadow scores and settled outcomes, once their window is evaluated")
    func retentionDeletesOldPredictions() throws {
        try database.run(
            "INSERT INTO model_versions (model, version, state, origin, path, sha256, created_at) VALUES ('sepsis-risk', 2, 'staged', 'retrained', 'm', 'x', 'now')")
        // Segment 1: a1–a3 (window 1). a1 and a2 are joined, a3 never gets an outcome; o-x's prediction never comes.
        try apply([prediction("a1", at: 0), prediction("a2", at: 10), prediction("a3", at: 20)], as: shortMemory)
        try apply([outcome("a1", at: 100), outcome("a2", at: 100), outcome("o-x", at: 50)], as: shortMemory)
        try database.run("INSERT INTO shadow_scores (model, version, row, score) SELECT 'sepsis-risk', 2, row, 0.5 FROM predictions")
        // Segment 2: b1–b3 (window 2), four hours later; b1's outcome moves the outcome log past a3's horizon.
        try apply([prediction("b1", at: 14_400), prediction("b2", at: 14_410), prediction("b3", at: 14_420)], as: shortMemory)
        try database.run("INSERT INTO shadow_scores (model, version, row, score) SELECT 'sepsis-risk', 2, row, 0.6 FROM predictions WHERE id LIKE 'b%'")
        #expect(try status(ofOutcome: "o-x") == "orphaned")
        try apply([outcome("b1", at: 14_500)], as: shortMemory)
        #expect(try status(ofPrediction: "a3") == "unlabeled")
        // An orphaned outcome needs no window: it goes as soon as it is older than the training window.
        #expect(try status(ofOutcome: "o-x") == nil)

        // Window 1 is closed but not evaluated: its rows stay.
        #expect(try ids() == ["a1", "a2", "a3", "b1", "b2", "b3"])
        try markWindowsEvaluated()
        try apply([outcome("b2", at: 14_600)], as: shortMemory)

        // The newest joined prediction is at 14,410 s; the window reaches back to 7,210 s.
        #expect(try ids() == ["b1", "b2", "b3"])
        #expect(try database.scalar("SELECT count(*) FROM prediction_segments") == .integer(1))
        #expect(try database.query("SELECT id FROM outcomes ORDER BY id").compactMap { $0["id"].string } == ["b1", "b2"])
        #expect(try database.query("SELECT score FROM shadow_scores ORDER BY row").map { $0["score"] } == Array(repeating: .real(0.6), count: 3))
        let row = try stats()
        #expect(row["predictions_deleted"] == .integer(3))
        #expect(row["predictions_ingested"] == .integer(6))
        #expect(row["joined"] == .integer(4))
        #expect(row["predictions_unlabeled"] == .integer(1))
        #expect(row["outcomes_orphaned"] == .integer(1))
        // What is kept still reads back from its lines.
        #expect(try windowRows(2).numeric == [[70, 70, 70]])
        try database.run("INSERT INTO models (name, first_configured_at) VALUES ('sepsis-risk', 'now')")
        let report = try StatusReport.read(databasePath: directory.file("vigil.db"))
        #expect(report.models.map(\.predictionsDeleted) == [3])
    }

    @Test("a prediction still waiting for its outcome is kept, however old")
    func retentionKeepsPending() throws {
        var longHorizon = shortMemory
        longHorizon.labelHorizon = .days(1)
        // n's outcome is logged before it (allowed), so the outcome log stays before p's expiry.
        try apply([prediction("p", at: 0)], as: longHorizon)
        try apply([prediction("n", at: 120_000), outcome("n", at: 50)], as: longHorizon)
        try markWindowsEvaluated()
        try apply([prediction("m", at: 120_100)], as: longHorizon)
        try markWindowsEvaluated()
        try apply([outcome("none", at: 60)], as: longHorizon)
        #expect(try ids() == ["p", "n", "m"])
        #expect(try status(ofPrediction: "p") == "pending")
        #expect(try stats()["predictions_deleted"] == .integer(0))
    }

    @Test("the newest segment is kept even when old, so that rows keep increasing")
    func retentionKeepsNewestSegment() throws {
        var settings = shortMemory
        settings.window = .predictions(1)
        try apply([prediction("n", at: 20_000), outcome("n", at: 20_100)], as: settings)
        // An old prediction replayed last: swept and past the window, but in the newest segment.
        try apply([prediction("old", at: 5), outcome("old", at: 6)], as: settings)
        try markWindowsEvaluated()
        try apply([outcome("none-1", at: 20_200)], as: settings)
        #expect(try ids() == ["n", "old"])
        // Once a later segment exists, it goes.
        try apply([prediction("q", at: 20_300)], as: settings)
        try markWindowsEvaluated()
        try apply([outcome("none-2", at: 20_400)], as: settings)
        #expect(try ids() == ["n", "q"])
        #expect(try database.query("SELECT row FROM predictions ORDER BY row").compactMap { $0["row"].int64 } == [1, 3])
        try apply([prediction("r", at: 20_500)], as: settings)
        #expect(try database.scalar("SELECT row FROM predictions WHERE id = 'r'") == .integer(4))
        #expect(try stats()["predictions_deleted"] == .integer(1))
    }

    @Test("a database from before retention (schema 5) is upgraded: its segments are judged by their latest expiry, and old ones go")
    func retentionAfterUpgrade() throws {
        let old = try Database(path: directory.file("old.db"))
        try old.migrate(Array(StateSchema.migrations.prefix { $0.version <= 5 }))
        // Two swept segments as schema 5 stored them: a (ts 0) and n (ts 20,000), both joined.
        try old.run("INSERT INTO model_keys (key, name) VALUES (1, 'sepsis-risk')")
        for (segment, id, ts) in [(1, "a", 0.0), (2, "n", 20_000.0)] {
            let line = Self.line(id: id, ts: ts)
            try old.run(
                "INSERT INTO prediction_segments (segment, model, first_row, last_row, min_expires_at, max_expires_at, swept, lines) VALUES (?, 'sepsis-risk', ?, ?, ?, ?, 1, ?)",
                segment, segment, segment, ts + 3_600, ts + 3_600, Array((line + "\n").utf8))
            try old.run(
                """
                INSERT INTO predictions (row, model_key, id, ts, expires_at, score, segment, line_start, line_length, status, label, outcome_ts)
                VALUES (?, 1, ?, ?, ?, 0.4, ?, 0, ?, 'joined', 1, ?)
                """,
                segment, id, ts, ts + 3_600, segment, line.utf8.count, ts + 60)
            try old.run("INSERT INTO outcomes (model, id, ts, expires_at, label, status) VALUES ('sepsis-risk', ?, ?, ?, 1, 'joined')",
                        id, ts + 60, ts + 3_660)
        }
        try old.run("INSERT INTO model_stats (model, predictions_ingested, outcomes_ingested, joined) VALUES ('sepsis-risk', 2, 2, 2)")

        try old.migrate(StateSchema.migrations)
        #expect(try old.query("SELECT max_ts FROM prediction_segments ORDER BY segment").map { $0["max_ts"] } == [.null, .null])
        let plan = try old.query("EXPLAIN QUERY PLAN " + PredictionRetention.candidatesSQL, "sepsis-risk", 0, 0, 4).compactMap { $0["detail"].string }
        #expect(plan.contains { $0.contains("prediction_segments_swept") }, "\(plan)")
        let upgraded = IngestionWriter(database: old)
        try old.transaction { _ = try upgraded.apply(batch([outcome("none", at: 20_100)]), for: shortMemory, now: 0) }
        #expect(try old.query("SELECT id FROM predictions").compactMap { $0["id"].string } == ["n"])
        #expect(try old.query("SELECT id FROM outcomes ORDER BY id").compactMap { $0["id"].string } == ["n", "none"])
        #expect(try old.scalar("SELECT predictions_deleted FROM model_stats") == .integer(1))
        try old.transaction { _ = try upgraded.apply(batch([prediction("m", at: 20_200)]), for: shortMemory, now: 0) }
        #expect(try old.scalar("SELECT row FROM predictions WHERE id = 'm'") == .integer(3))
    }
}
