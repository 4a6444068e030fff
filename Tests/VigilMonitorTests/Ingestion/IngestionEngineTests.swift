import Foundation
import Testing
import VigilStore
import VigilSystemd
import VigilTestSupport
@testable import VigilMonitor

/// The ingestion threads on a real state database and a real log file.
struct IngestionEngineTests {
    /// The size of the state database's WAL file, 0 when there is none.
    static func walSize(_ databasePath: String) -> Int64 {
        var info = stat()
        return stat(databasePath + "-wal", &info) == 0 ? Int64(info.st_size) : 0
    }

    @Test("a backlog read without a pause leaves a WAL no larger than its limit once caught up, not one as large as everything ingested")
    func walStaysWithinLimit() async throws {
        let directory = try TemporaryDirectory()
        let databasePath = directory.file("vigil.db")
        try Database(path: databasePath).migrate(StateSchema.migrations)
        // 100,000 predictions, about 13 MB of log and more of database: the WAL limit is 1 MiB.
        let predictions = directory.file("p.jsonl")
        var text = ""
        for index in 0..<100_000 {
            text += #"{"id":"p-\#(index)","ts":\#(1_795_000_000 + index),"score":0.5,"features":{"age":\#(index % 90)},"attrs":{"site":"ED-\#(index % 3)"}}"# + "\n"
        }
        try append(text, to: predictions)
        let model = ModelConfig(name: "sepsis-risk", predictionsPath: predictions, outcomesPath: directory.file("o.jsonl"),
                                labelHorizon: .days(30), features: [], referencePath: nil, subgroups: ["site"], window: .predictions(5_000))
        let limit: Int64 = 1 << 20
        let engine = IngestionEngine(databasePath: databasePath, models: [model], journal: Journal(identifier: "vigil-test", target: .stderr),
                                     walLimit: limit)
        engine.start()
        let reader = try Database(path: databasePath, options: Database.Options(readOnly: true))
        var ingested: Int64 = 0
        var largest: Int64 = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            largest = max(largest, Self.walSize(databasePath))
            ingested = try reader.scalar("SELECT coalesce(sum(predictions_ingested), 0) FROM model_stats")?.int64 ?? 0
            if ingested == 100_000, Self.walSize(databasePath) <= limit { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ingested == 100_000)
        // Truncated after the backlog: with passive checkpoints alone it stayed at its largest.
        #expect(Self.walSize(databasePath) <= limit, "the WAL is \(Self.walSize(databasePath)) bytes (largest seen \(largest))")
        await engine.stop()
        #expect(try reader.scalar("SELECT count(*) FROM predictions")?.int64 == 100_000)
    }
}
