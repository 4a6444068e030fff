import Foundation
import Testing
import VigilTestSupport

/// vigild ingesting real files written by a real writer process, through rotation, truncation and SIGKILL.
struct IngestionTests {
    @Test("1,000,000 predictions written at full speed with a rename rotation every 50,000 are all ingested, once")
    func rotationUnderLoad() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started")
        let writer = try RunningProcess(Binaries.logWriter, ["predictions", scratch.file("sepsis-risk-p.jsonl"), "1000000", "--rotate-every", "50000"])
        #expect(try await writer.waitForExit(timeout: .seconds(120)) == 0)
        let model = try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.predictions_ingested >= 1_000_000 }
        // Give it a moment to prove nothing more arrives.
        try await Task.sleep(for: .milliseconds(600))
        let final = try #require(try await StatusJSON.read(stateDirectory: scratch.file("state")).models.first)
        #expect(final.predictions_ingested == 1_000_000)
        #expect(final.quarantined == 0)
        #expect(final.pending_predictions == 1_000_000)
        #expect(model.files.first { $0.stream == "predictions" }.map { $0.rotations >= 1 } == true)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("killed with SIGKILL at 20 random moments, vigild still ingests and joins every line exactly once")
    func exactlyOnceThroughKills() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let count = 300_000
        let predictions = try RunningProcess(Binaries.logWriter, ["predictions", scratch.file("sepsis-risk-p.jsonl"), String(count)])
        let outcomes = try RunningProcess(Binaries.logWriter, ["outcomes", scratch.file("sepsis-risk-o.jsonl"), String(count)])
        #expect(try await predictions.waitForExit() == 0)
        #expect(try await outcomes.waitForExit() == 0)

        var generator = SplitMix64(seed: 20_261_129)
        for _ in 0..<20 {
            let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
            try await daemon.waitForStandardError(containing: "started")
            try await Task.sleep(for: .milliseconds(Int(generator.next() % 400)))
            daemon.signal(SIGKILL)
            _ = try await daemon.waitForExit()
        }
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started")
        try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) {
            $0.predictions_ingested >= count && $0.outcomes_ingested >= count && $0.joined >= count
        }
        try await Task.sleep(for: .milliseconds(600))
        let final = try #require(try await StatusJSON.read(stateDirectory: scratch.file("state")).models.first)
        #expect(final.predictions_ingested == Int64(count))
        #expect(final.outcomes_ingested == Int64(count))
        #expect(final.joined == Int64(count))
        #expect(final.quarantined == 0)
        #expect(final.pending_predictions == 0)
        #expect(final.pending_outcomes == 0)
        #expect(try await sqliteQuery(scratch.file("state/vigil.db"), "SELECT count(*) FROM predictions WHERE status = 'joined'") == [String(count)])
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("with a one-hour training window, older predictions and their outcomes are deleted as ingestion goes on; the counters stay exact")
    func retention() async throws {
        let scratch = try Scratch()
        let config = try scratch.singleModelConfig("""
            label_horizon: 3d
            window: {predictions: 1000}
            features: {age: numeric, lactate: numeric, site: categorical}
            retrain: {on: [], training_window: 1h}
            """)
        // Prediction i has ts BASE + i s; its outcome comes 6 to 70 hours later.
        let count = 20_000
        let base = 1_795_000_000
        let predictions = try RunningProcess(Binaries.logWriter, ["predictions", scratch.file("p.jsonl"), String(count)])
        #expect(try await predictions.waitForExit() == 0)
        let outcomes = try RunningProcess(Binaries.logWriter, ["outcomes", scratch.file("o.jsonl"), String(count)])
        #expect(try await outcomes.waitForExit() == 0)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.joined == Int64(count) }

        // The newest labeled prediction is p-19999: the window reaches back to ts BASE + 16,399.
        let cutoff = base + count - 1 - 3_600
        let database = scratch.file("state/vigil.db")
        func stillToDelete() async throws -> Int {
            let rows = try await sqliteQuery(database, """
                SELECT count(*) FROM prediction_segments
                WHERE max_ts < \(cutoff) AND segment < (SELECT max(segment) FROM prediction_segments)
                """)
            return Int(rows.first ?? "") ?? -1
        }
        // Retention waits for each window's evaluation and runs with the commits of new lines:
        // outcomes for predictions never logged, far in the future, which also end every wait.
        var late = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while late < 10, ContinuousClock.now < deadline, try await stillToDelete() != 0 {
            let windowsClosed = try await sqliteQuery(database, "SELECT count(*) FROM windows WHERE status = 'closed'")
            if windowsClosed != ["0"] {
                try await Task.sleep(for: .milliseconds(200))
                continue
            }
            late += 1
            try appendText(#"{"id":"late-\#(late)","ts":\#(base + count + 80 * 3_600),"label":0}"# + "\n", to: scratch.file("o.jsonl"))
            try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.outcomes_ingested == Int64(count + late) }
        }
        #expect(try await stillToDelete() == 0)

        let model = try #require(try await StatusJSON.read(stateDirectory: scratch.file("state")).models.first)
        #expect(model.predictions_ingested == Int64(count))
        #expect(model.joined == Int64(count))
        #expect(model.outcomes_ingested == Int64(count + late))
        #expect(model.predictions_deleted > 0)
        let deleted = Int(model.predictions_deleted)
        // Only predictions older than the window went, and their outcomes with them.
        #expect(try await sqliteQuery(database, "SELECT count(*) FROM predictions") == [String(count - deleted)])
        #expect(try await sqliteQuery(database, "SELECT count(*) FROM predictions WHERE ts >= \(cutoff)") == [String(base + count - cutoff)])
        #expect(try await sqliteQuery(database, "SELECT count(*) FROM outcomes WHERE status = 'joined'") == [String(count - deleted)])
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("copytruncate restarts the file at 0 and is counted; a deleted and recreated log is followed")
    func truncationAndRecreation() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let log = scratch.file("sepsis-risk-p.jsonl")
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started")
        try appendLines(to: log, ids: 0..<100)
        try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.predictions_ingested == 100 }

        // copytruncate: copy aside, then truncate in place; the writer keeps appending.
        try FileManager.default.copyItem(atPath: log, toPath: log + ".1")
        #expect(truncate(log, 0) == 0)
        try appendLines(to: log, ids: 100..<150)
        let truncated = try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.predictions_ingested == 150 }
        #expect(truncated.files.first { $0.stream == "predictions" }?.truncations == 1)
        try await daemon.waitForStandardError(containing: "was truncated in place")

        // Deleted and recreated.
        try FileManager.default.removeItem(atPath: log)
        try await Task.sleep(for: .milliseconds(300))
        try appendLines(to: log, ids: 150..<160)
        let recreated = try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) { $0.predictions_ingested == 160 }
        #expect(recreated.files.first { $0.stream == "predictions" }?.rotations == 1)
        #expect(recreated.quarantined == 0)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("malformed lines are quarantined with exact reasons while every good line around them is ingested")
    func malformedCorpus() async throws {
        let scratch = try Scratch()
        let config = try scratch.singleModelConfig("features: {age: numeric, lactate: numeric}")
        let bad: [(String, [UInt8])] = [
            ("invalid_json", Array(#"{"id":"x1","ts":1795000000,"score":0.5,"features":{}"#.utf8)),
            ("invalid_json", Array("not json at all".utf8)),
            ("missing_field", Array(#"{"id":"x2","ts":1795000000,"features":{}}"#.utf8)),
            ("wrong_type", Array(#"{"id":"x3","ts":1795000000,"score":"high","features":{}}"#.utf8)),
            ("score_out_of_range", Array(#"{"id":"x4","ts":1795000000,"score":1.7,"features":{}}"#.utf8)),
            ("bad_timestamp", Array(#"{"id":"x5","ts":"yesterday","score":0.5,"features":{}}"#.utf8)),
            ("nested_feature", Array(#"{"id":"x6","ts":1795000000,"score":0.5,"features":{"labs":{"wbc":9}}}"#.utf8)),
            ("invalid_utf8", Array(#"{"id":"x7","ts":1795000000,"score":0.5,"features":{"site":""#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8)),
            ("line_too_long", Array((#"{"id":"x8","ts":1795000000,"score":0.5,"features":{"note":""# + String(repeating: "a", count: 1_100_000) + #""}}"#).utf8)),
            ("invalid_utf8", [0x00, 0xFF, 0x13, 0x37, 0x7B, 0x22]),
            ("invalid_json", [0x7B, 0x7D, 0x5D, 0x20, 0x01, 0x41]),
            ("duplicate", Array(#"{"id":"p-0","ts":1795000000,"score":0.5,"features":{"age":1}}"#.utf8)),
        ]
        var bytes: [UInt8] = []
        var good = 0
        for (_, line) in bad {
            bytes += Array(#"{"id":"p-\#(good)","ts":1795000000,"score":0.25,"features":{"age":60,"lactate":2.5,"bmi":30}}"#.utf8) + [0x0A]
            good += 1
            bytes += line + [0x0A]
        }
        bytes += Array(#"{"id":"p-\#(good)","ts":1795000000,"model":"other-model","score":0.25,"features":{}}"#.utf8) + [0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.file("p.jsonl")))
        try Data(#"{"id":"p-1","ts":1795003600,"label":2}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: scratch.file("o.jsonl")))

        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        let model = try await StatusJSON.waitFor(stateDirectory: scratch.file("state")) {
            $0.predictions_ingested == Int64(good) && $0.quarantined == Int64(bad.count + 1)
        }
        #expect(model.foreign == 1)
        #expect(model.unknown_features == ["bmi": Int64(good)])
        try await daemon.waitForStandardError(containing: "quarantined line 2 of \(scratch.file("p.jsonl"))")

        let result = try await runToCompletion(Binaries.vigil, ["quarantine", "sepsis-risk", "--state-dir", scratch.file("state"), "--json", "--limit", "100"])
        #expect(result.status == 0)
        struct Report: Decodable {
            struct Line: Decodable { var reason: String; var line: Int64; var stream: String; var detail: String }
            var total: Int64
            var reasons: [String: Int64]
            var lines: [Line]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        var expected: [String: Int64] = [:]
        for (reason, _) in bad { expected[reason, default: 0] += 1 }
        expected["label_not_binary", default: 0] += 1
        #expect(report.reasons == expected)
        #expect(report.total == Int64(bad.count + 1))
        let predictionLines = report.lines.filter { $0.stream == "predictions" }.map(\.line).sorted()
        #expect(predictionLines == bad.indices.map { Int64(2 * $0 + 2) })
        #expect(report.lines.allSatisfy { !$0.detail.isEmpty })
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    func appendLines(to path: String, ids: Range<Int>) throws {
        try appendText(ids.map { #"{"id":"p-\#($0)","ts":\#(1_795_000_000 + $0),"score":0.5,"features":{"age":50}}"# + "\n" }.joined(), to: path)
    }

    func appendText(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
