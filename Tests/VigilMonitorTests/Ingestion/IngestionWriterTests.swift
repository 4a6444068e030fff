import Foundation
import Testing
import VigilTestSupport
import VigilStore
@testable import VigilMonitor

/// Joining outcomes to predictions, expiry and duplicates, on a real SQLite file.
struct IngestionWriterTests {
    let directory: TemporaryDirectory
    let database: Database
    let writer: IngestionWriter
    var model = IngestionModelSettings(
        name: "sepsis-risk", labelHorizon: .hours(1), window: .predictions(3),
        layout: WindowLayout(numeric: ["age"], categorical: [], subgroups: ["site"]))
    let here = IngestionBatch.LineLocation(path: "/logs/p.jsonl", offset: 0, line: 1)

    init() throws {
        directory = try TemporaryDirectory()
        database = try Database(path: directory.file("vigil.db"))
        try database.migrate(StateSchema.migrations)
        writer = IngestionWriter(database: database)
    }

    /// A line as the reader hands it to a batch.
    enum Line {
        case prediction(PredictionRecord, String)
        case outcome(OutcomeRecord)
    }

    func prediction(_ id: String, at ts: Double, age: Double = 70, site: String = "ED-1") -> Line {
        let record = PredictionRecord(
            id: id, timestamp: ts, score: 0.4, features: [.init(name: "age", value: .number(age))],
            attributes: [.init(name: "site", value: site)])
        return .prediction(record, Self.line(id: id, ts: ts, age: age, site: site))
    }

    /// The prediction line as logged.
    static func line(id: String, ts: Double, age: Double = 70, site: String = "ED-1") -> String {
        #"{"id":"\#(id)","ts":\#(ts),"score":0.4,"features":{"age":\#(age)},"attrs":{"site":"\#(site)"}}"#
    }

    func outcome(_ id: String, at ts: Double, label: Bool = true) -> Line {
        .outcome(OutcomeRecord(id: id, timestamp: ts, label: label))
    }

    /// The batch the reader would make of `lines`.
    func batch(_ lines: [Line]) -> IngestionBatch {
        var batch = IngestionBatch()
        for line in lines {
            switch line {
            case .prediction(let record, let text):
                Array(text.utf8).withUnsafeBytes {
                    batch.appendPrediction(record, line: $0, subgroups: model.layout.subgroupValues(of: record), at: here)
                }
            case .outcome(let record):
                batch.appendOutcome(record, at: here)
            }
        }
        return batch
    }

    @discardableResult
    func apply(_ lines: [Line], as settings: IngestionModelSettings? = nil) throws -> IngestionWriter.Outcome {
        try database.transaction { try writer.apply(batch(lines), for: settings ?? model, now: 0) }
    }

    /// The values of window `seq`, read back from its predictions' stored lines as the monitor reads them.
    func windowRows(_ seq: Int64) throws -> WindowData {
        let store = EvaluationStore(database: database)
        let window = try #require(try store.closedWindows(model: "sepsis-risk").first { $0.seq == seq }
            ?? openWindow(seq))
        let (data, unreadable) = try store.windowData(model: "sepsis-risk", window: window, layout: model.layout)
        #expect(unreadable == 0)
        return data
    }

    /// An open window, as the store would describe it once closed.
    func openWindow(_ seq: Int64) throws -> EvaluationStore.ClosedWindow? {
        try database.query("SELECT first_row, last_row, count FROM windows WHERE seq = ?", seq).first.map {
            EvaluationStore.ClosedWindow(seq: seq, start: nil, end: nil, count: $0["count"].int ?? 0, quarantined: 0,
                                         firstRow: $0["first_row"].int64, lastRow: $0["last_row"].int64)
        }
    }

    /// A prediction's stored line (`row` has its segment, line_start and line_length), read back
    /// through `SegmentLines` as the monitor and retraining read it.
    func storedLine(_ row: Row) throws -> String? {
        guard let segment = row["segment"].int64, let start = row["line_start"].int, let length = row["line_length"].int else { return nil }
        var lines = SegmentLines.Reader(database: database)
        return try lines.line(segment: segment, start: start, length: length).map { String(decoding: $0, as: UTF8.self) }
    }

    func stats() throws -> Row { try #require(try database.query("SELECT * FROM model_stats WHERE model = 'sepsis-risk'").first) }
    func status(ofPrediction id: String) throws -> String? { try database.scalar("SELECT status FROM predictions WHERE id = ?", id)?.string }
    func status(ofOutcome id: String) throws -> String? { try database.scalar("SELECT status FROM outcomes WHERE id = ?", id)?.string }

    @Test("an outcome that follows its prediction is joined into a labeled example")
    func predictionThenOutcome() throws {
        try apply([prediction("a", at: 0)])
        #expect(try stats()["pending_predictions"] == .integer(1))
        try apply([outcome("a", at: 600, label: true)])
        #expect(try status(ofPrediction: "a") == "joined")
        #expect(try database.scalar("SELECT label FROM predictions WHERE id = 'a'") == .integer(1))
        #expect(try database.scalar("SELECT outcome_ts FROM predictions WHERE id = 'a'") == .real(600))
        let row = try stats()
        #expect(row["joined"] == .integer(1))
        #expect(row["pending_predictions"] == .integer(0))
        #expect(row["pending_outcomes"] == .integer(0))
    }

    @Test("an outcome that arrives before its prediction waits, and is joined when the prediction comes")
    func outcomeThenPrediction() throws {
        try apply([outcome("b", at: 600, label: false)])
        #expect(try status(ofOutcome: "b") == "pending")
        #expect(try stats()["pending_outcomes"] == .integer(1))
        try apply([prediction("b", at: 0)])
        #expect(try status(ofPrediction: "b") == "joined")
        #expect(try status(ofOutcome: "b") == "joined")
        #expect(try database.scalar("SELECT label FROM predictions WHERE id = 'b'") == .integer(0))
        let row = try stats()
        #expect(row["joined"] == .integer(1))
        #expect(row["pending_outcomes"] == .integer(0))
        #expect(row["pending_predictions"] == .integer(0))
    }

    @Test("a prediction whose outcome has not come once the outcome log passed its horizon is unlabeled; its late outcome is orphaned")
    func predictionExpires() throws {
        try apply([prediction("c", at: 0), prediction("d", at: 3_000)])
        try apply([outcome("d", at: 3_700)])        // the outcome log reaches 3,700 s > 0 + 1 h
        #expect(try status(ofPrediction: "c") == "unlabeled")
        #expect(try status(ofPrediction: "d") == "joined")
        #expect(try stats()["predictions_unlabeled"] == .integer(1))
        try apply([outcome("c", at: 3_800)])
        #expect(try status(ofOutcome: "c") == "orphaned")
        let row = try stats()
        #expect(row["outcomes_orphaned"] == .integer(1))
        #expect(row["joined"] == .integer(1))
        #expect(row["pending_predictions"] == .integer(0))
        #expect(row["pending_outcomes"] == .integer(0))
    }

    @Test("an outcome whose prediction never comes is orphaned once the prediction log passed its horizon")
    func outcomeExpires() throws {
        try apply([outcome("e", at: 100)])
        try apply([prediction("f", at: 3_000)])
        #expect(try status(ofOutcome: "e") == "pending")
        try apply([prediction("g", at: 3_701)])
        #expect(try status(ofOutcome: "e") == "orphaned")
        let row = try stats()
        #expect(row["outcomes_orphaned"] == .integer(1))
        #expect(row["pending_outcomes"] == .integer(0))
        #expect(row["pending_predictions"] == .integer(2))
    }

    @Test("an outcome more than the horizon after its pending prediction is not joined")
    func lateOutcome() throws {
        try apply([prediction("h", at: 0)])
        try apply([outcome("h", at: 7_200)])
        #expect(try status(ofPrediction: "h") == "unlabeled")
        #expect(try status(ofOutcome: "h") == "orphaned")
        let row = try stats()
        #expect(row["joined"] == .integer(0))
        #expect(row["predictions_unlabeled"] == .integer(1))
        #expect(row["outcomes_orphaned"] == .integer(1))
    }

    @Test("a repeated prediction id and a second outcome for an id are quarantined as duplicates")
    func duplicates() throws {
        let first = try apply([prediction("i", at: 0), prediction("i", at: 5), outcome("i", at: 60), outcome("i", at: 61, label: false)])
        #expect(first.quarantined.map(\.reason.code) == [.duplicate, .duplicate])
        #expect(first.quarantined.map(\.stream) == [.predictions, .outcomes])
        let row = try stats()
        #expect(row["predictions_ingested"] == .integer(1))
        #expect(row["outcomes_ingested"] == .integer(1))
        #expect(row["quarantined"] == .integer(2))
        #expect(row["joined"] == .integer(1))
        #expect(try database.scalar("SELECT label FROM predictions WHERE id = 'i'") == .integer(1))
        #expect(try database.scalar("SELECT count(*) FROM quarantine WHERE reason = 'duplicate'") == .integer(2))
    }

    @Test("each prediction's line is stored as logged and read back from its segment")
    func linesStoredAsLogged() throws {
        try apply([prediction("j", at: 10), prediction("j", at: 11), prediction("k", at: 20)])
        try apply([prediction("l", at: 30)])
        let rows = try database.query("SELECT id, segment, line_start, line_length FROM predictions ORDER BY row")
        #expect(rows.map { $0["id"].string } == ["j", "k", "l"])
        #expect(try rows.map(storedLine) == [
            Self.line(id: "j", ts: 10), Self.line(id: "k", ts: 20), Self.line(id: "l", ts: 30),
        ])
        #expect(try database.scalar("SELECT count(*) FROM prediction_segments") == .integer(2))
    }

    @Test("predictions stored many to a statement keep their lines, and a repeat in a later statement is a duplicate")
    func multiRowInserts() throws {
        var items = (0..<150).map { prediction("q-\($0)", at: Double($0)) }
        items.insert(prediction("q-10", at: 999), at: 100)      // a repeat, in the second statement of 64
        let result = try apply(items)
        #expect(result.quarantined.map(\.reason.code) == [.duplicate])
        #expect(try stats()["predictions_ingested"] == .integer(150))
        let rows = try database.query("SELECT id, ts, segment, line_start, line_length FROM predictions ORDER BY row")
        #expect(rows.count == 150)
        #expect(rows.map { $0["id"].string } == (0..<150).map { "q-\($0)" })
        #expect(try rows.allSatisfy { row in try storedLine(row) == Self.line(id: row["id"].string!, ts: row["ts"].double!) })
        #expect(try database.scalar("SELECT ts FROM predictions WHERE id = 'q-10'") == .real(10))
    }

    @Test("a batch's lines are stored as one compressed block, whether the reader compressed them at hand-over or not")
    func linesStoredCompressed() throws {
        let lines = (0..<200).map { prediction("z-\($0)", at: Double($0)) }
        var handedOver = batch(Array(lines[..<100]))
        handedOver.compressPredictionLines()
        handedOver.compressPredictionLines()    // a second call changes nothing
        try database.transaction { _ = try writer.apply(handedOver, for: model, now: 0) }
        try apply(Array(lines[100...]))
        let segments = try database.query("SELECT length(lines) AS stored, lines_size FROM prediction_segments ORDER BY segment")
        let logged = [0..<100, 100..<200].map { range in range.reduce(0) { $0 + Self.line(id: "z-\($1)", ts: Double($1)).utf8.count + 1 } }
        #expect(segments.map { $0["lines_size"].int } == logged)
        #expect(segments.allSatisfy { ($0["stored"].int ?? .max) * 3 < ($0["lines_size"].int ?? 0) }, "\(segments)")
        let rows = try database.query("SELECT id, ts, segment, line_start, line_length FROM predictions ORDER BY row")
        #expect(try rows.map(storedLine) == (0..<200).map { Self.line(id: "z-\($0)", ts: Double($0)) })
        #expect(try windowRows(1).timestamps == [0, 1, 2])
    }

    @Test("a segment stored as logged, before compression, is read back as it is; a damaged block makes its rows unreadable, not a failure")
    func uncompressedAndDamagedSegments() throws {
        try apply((0..<9).map { prediction("u-\($0)", at: Double($0)) })
        let stored = try #require(try database.query("SELECT segment, lines, lines_size FROM prediction_segments").first)
        let segment = try #require(stored["segment"].int64)
        let bytes = try #require(stored["lines"].bytes)
        let logged = try #require(SegmentLines.decode(bytes, size: stored["lines_size"].int64))
        // As a schema-6 vigild stored it.
        try database.run("UPDATE prediction_segments SET lines = ?, lines_size = NULL WHERE segment = ?", logged, segment)
        #expect(try windowRows(1).timestamps == [0, 1, 2])
        let row = try #require(try database.query("SELECT segment, line_start, line_length FROM predictions WHERE id = 'u-4'").first)
        #expect(try storedLine(row) == Self.line(id: "u-4", ts: 4))
        // A block that does not decompress to its recorded size.
        let other = SegmentLines.encode([UInt8](repeating: UInt8(ascii: "x"), count: 4096))
        #expect(other.size == 4096)
        let block = other.bytes
        try database.run("UPDATE prediction_segments SET lines = ?, lines_size = ? WHERE segment = ?", block, logged.count, segment)
        let store = EvaluationStore(database: database)
        let window = try #require(try store.closedWindows(model: "sepsis-risk").first)
        let (data, unreadable) = try store.windowData(model: "sepsis-risk", window: window, layout: model.layout)
        #expect(data.count == 0 && unreadable == 3)
    }

    @Test("a duplicate in the same statement or of an earlier batch leaves its row number unused; the rest keep their lines and subgroups")
    func duplicatesLeaveRowsUnused() throws {
        try apply([prediction("a", at: 1, site: "ED-1"), prediction("b", at: 2, site: "ED-2")])
        let result = try apply([
            prediction("c", at: 3, site: "ED-2"), prediction("a", at: 4), prediction("d", at: 5, site: "ED-1"),
            prediction("d", at: 6), prediction("e", at: 7, site: "ED-3"),
        ])
        #expect(result.quarantined.map(\.reason.code) == [.duplicate, .duplicate])
        #expect(try stats()["predictions_ingested"] == .integer(5))
        let rows = try database.query("""
            SELECT p.row, p.id, p.ts, k."values" AS site, p.segment, p.line_start, p.line_length
            FROM predictions p JOIN subgroup_keys k ON k.key = p.subgroup ORDER BY p.row
            """)
        #expect(rows.map { $0["id"].string } == ["a", "b", "c", "d", "e"])
        #expect(rows.map { $0["row"].int64 } == [1, 2, 3, 5, 7])
        #expect(rows.map { $0["site"].string } == ["ED-1", "ED-2", "ED-2", "ED-1", "ED-3"])
        #expect(rows.map { $0["ts"].double } == [1, 2, 3, 5, 7])
        #expect(try rows.allSatisfy { row in
            try storedLine(row) == Self.line(id: row["id"].string!, ts: row["ts"].double!, site: row["site"].string!)
        })
        #expect(try database.scalar("SELECT count(*) FROM subgroup_keys") == .integer(3))
        // The next batch numbers its rows after the last one stored.
        try apply([prediction("f", at: 8)])
        #expect(try database.scalar("SELECT row FROM predictions WHERE id = 'f'") == .integer(8))
    }

    @Test("a run of predictions after other lines in the batch is stored whole")
    func runAfterOtherItems() throws {
        let items = [outcome("r-0", at: 5)] + (0..<100).map { prediction("r-\($0)", at: Double($0)) } + [outcome("r-99", at: 200)]
        try apply(items)
        #expect(try stats()["predictions_ingested"] == .integer(100))
        #expect(try stats()["joined"] == .integer(2))
        #expect(try database.scalar("SELECT count(*) FROM predictions") == .integer(100))
        let stored = try #require(try database.query("SELECT segment, line_start, line_length FROM predictions WHERE id = 'r-64'").first)
        #expect(try storedLine(stored) == Self.line(id: "r-64", ts: 64))
    }

    @Test("expiry is exact inside a segment whose predictions expire at different times")
    func expiryWithinSegment() throws {
        try apply([prediction("m", at: 0), prediction("n", at: 1_000), prediction("o", at: 5_000)])
        try apply([outcome("x", at: 3_601)])          // past m's wait only
        #expect(try status(ofPrediction: "m") == "unlabeled")
        #expect(try status(ofPrediction: "n") == "pending")
        try apply([outcome("y", at: 4_601)])          // now past n's too
        #expect(try status(ofPrediction: "n") == "unlabeled")
        #expect(try status(ofPrediction: "o") == "pending")
        #expect(try database.scalar("SELECT swept FROM prediction_segments") == .integer(0))
        try apply([outcome("z", at: 8_601)])          // past o's: the segment is swept
        #expect(try status(ofPrediction: "o") == "unlabeled")
        #expect(try database.scalar("SELECT swept FROM prediction_segments") == .integer(1))
        #expect(try stats()["predictions_unlabeled"] == .integer(3))
        #expect(try stats()["pending_predictions"] == .integer(0))
    }

    @Test("a checkpoint round-trips, and one saved for another path is not used")
    func checkpoints() throws {
        let saved = TailCheckpoint(identity: FileIdentity(device: 2049, inode: UInt64.max - 3, fingerprint: 0xDEAD_BEEF_0000_0001, fingerprintLength: 256),
                                   offset: 4_096, line: 10, rotations: 2, truncations: 1)
        try writer.saveCheckpoint(saved, model: "sepsis-risk", stream: .predictions, path: "/logs/p.jsonl")
        #expect(try writer.loadCheckpoint(model: "sepsis-risk", stream: .predictions, path: "/logs/p.jsonl") == saved)
        #expect(try writer.loadCheckpoint(model: "sepsis-risk", stream: .predictions, path: "/elsewhere/p.jsonl") == nil)
        #expect(try writer.loadCheckpoint(model: "sepsis-risk", stream: .outcomes, path: "/logs/p.jsonl") == nil)
    }
}

/// Drift windows filled by ingestion, in the same transactions as the lines.
extension IngestionWriterTests {
    @Test("a count window closes after its size in stored predictions; duplicates do not count")
    func countWindows() throws {
        var result = try apply([prediction("a", at: 1, age: 50), prediction("b", at: 2, age: 60)])
        #expect(result.closedWindows == 0)
        result = try apply([prediction("a", at: 3), prediction("c", at: 4, age: 80, site: "ED-2"), prediction("d", at: 5, age: 90)])
        #expect(result.closedWindows == 1)
        let windows = try database.query("SELECT seq, status, count, start_ts, end_ts FROM windows ORDER BY seq")
        #expect(windows.count == 2)
        #expect(windows[0]["status"] == .text("closed"))
        #expect(windows[0]["count"] == .integer(3))
        #expect(windows[0]["start_ts"] == .real(1))
        #expect(windows[0]["end_ts"] == .real(4))
        #expect(windows[1]["status"] == .text("open"))
        #expect(windows[1]["count"] == .integer(1))
        let first = try windowRows(1)
        #expect(first.numeric == [[50, 60, 80]])
        #expect(first.subgroups == [["ED-1", "ED-1", "ED-2"]])
        #expect(try windowRows(2).numeric == [[90]])
    }

    @Test("a duration window closes when a prediction of a later period arrives; a late one joins the open window")
    func durationWindows() throws {
        var hourly = model
        hourly.window = .duration(.hours(1), closeAfter: nil)
        try apply([prediction("a", at: 3_600 + 10), prediction("b", at: 3_600 + 20)], as: hourly)
        let result = try apply([prediction("c", at: 5), prediction("d", at: 7_200 + 1)], as: hourly)
        #expect(result.closedWindows == 1)
        let windows = try database.query("SELECT seq, status, count, bucket, start_ts, end_ts FROM windows ORDER BY seq")
        #expect(windows.map { $0["count"] } == [.integer(3), .integer(1)])
        #expect(windows[0]["bucket"] == .integer(1))
        #expect(windows[0]["start_ts"] == .real(3_600))
        #expect(windows[0]["end_ts"] == .real(7_200))
        #expect(windows[1]["status"] == .text("open"))
    }

    @Test("after a reload from count to duration windows, the open count window closes at the next prediction")
    func switchToDuration() throws {
        try apply([prediction("a", at: 10)])
        var hourly = model
        hourly.window = .duration(.hours(1), closeAfter: nil)
        let result = try apply([prediction("b", at: 20)], as: hourly)
        #expect(result.closedWindows == 1)
        let windows = try database.query("SELECT status, count, bucket FROM windows ORDER BY seq")
        #expect(windows.map { $0["status"] } == [.text("closed"), .text("open")])
        #expect(windows.map { $0["count"] } == [.integer(1), .integer(1)])
        #expect(windows[1]["bucket"] == .integer(0))
    }

    @Test("close_after measures from the last prediction: outcome lines do not keep a window open")
    func idleWindows() throws {
        var hourly = model
        hourly.window = .duration(.hours(1), closeAfter: .minutes(10))
        try database.transaction { _ = try writer.apply(batch([prediction("a", at: 10)]), for: hourly, now: 1_000) }
        try database.transaction { _ = try writer.apply(batch([outcome("a", at: 20)]), for: hourly, now: 1_500) }
        #expect(try database.scalar("SELECT updated_at FROM windows") == .real(1_000))
        let store = EvaluationStore(database: database)
        #expect(try store.closeIdleWindow(model: "sepsis-risk", idleSince: 900, now: 1_590) == false)
        #expect(try store.closeIdleWindow(model: "sepsis-risk", idleSince: 1_001, now: 1_601) == true)
        #expect(try database.scalar("SELECT status FROM windows") == .text("closed"))
    }

    @Test("the labeled sample is the newest joined predictions up to a time, with their subgroups")
    func labeledSample() throws {
        try apply([prediction("a", at: 1, site: "ED-1"), prediction("b", at: 2, site: "ED-2"), prediction("c", at: 3),
                   outcome("a", at: 10, label: true), outcome("b", at: 10, label: false), outcome("c", at: 10, label: true)])
        let store = EvaluationStore(database: database)
        let upToTwo = try store.labeledSample(model: "sepsis-risk", subgroupNames: ["site"], limit: 10, until: 2)
        #expect(upToTwo.labels == [false, true])
        #expect(upToTwo.subgroups == [["ED-2"], ["ED-1"]])
        let newestTwo = try store.labeledSample(model: "sepsis-risk", subgroupNames: ["site"], limit: 2)
        #expect(newestTwo.labels == [true, false])
    }

    @Test("prediction rows carry their subgroup's key, one key per distinct combination")
    func subgroupKeys() throws {
        try apply([prediction("a", at: 1, site: "ED-1"), prediction("b", at: 2, site: "ED-2"), prediction("c", at: 3, site: "ED-1")])
        let keys = try database.query("SELECT id, subgroup FROM predictions ORDER BY id").map { $0["subgroup"] }
        #expect(keys[0] == keys[2])
        #expect(keys[0] != keys[1])
        #expect(try database.query("SELECT \"values\" FROM subgroup_keys ORDER BY key").map { $0["values"] } == [.text("ED-1"), .text("ED-2")])
    }
}
