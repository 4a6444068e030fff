import Foundation
import Testing
import VigilTestSupport

/// vigild's memory does not grow with the joins it has pending: they live in SQLite. The short
/// form of deploy/memory-bound.sh (10 models x 50 features, 10,000,000 predictions).
struct MemoryBoundTests {
    static let models = (0..<10).map { String(format: "m%02d", $0) }
    /// Every third feature categorical, as `vigil-test-logwriter wide` writes them.
    static let features = (0..<50).map { $0 % 3 == 2 ? String(format: "c%02d: categorical", $0) : String(format: "n%02d: numeric", $0) }

    /// The peak resident set size of process `pid` (VmHWM in /proc/PID/status), in bytes.
    static func peakRSS(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            throw TestFailure("no VmHWM in /proc/\(pid)/status:\n\(status)")
        }
        return kilobytes * 1_024
    }

    @Test("10 models x 50 features, 200,000 predictions waiting on 30-day label horizons: every one is ingested and pending, and vigild's peak RSS stays under 150 MB")
    func pendingJoinsStayOnDisk() async throws {
        let scratch = try Scratch()
        let count = 200_000
        var text = "state_dir: \(scratch.file("state"))\nmodels:\n"
        for model in Self.models {
            text += """
                  - name: \(model)
                    predictions: \(scratch.file("logs/\(model)-p.jsonl"))
                    outcomes: \(scratch.file("logs/\(model)-o.jsonl"))
                    label_horizon: 30d
                    features: {\(Self.features.joined(separator: ", "))}
                    subgroups: [site]
                    retrain: {on: []}

                """
        }
        let config = try scratch.write("vigil.yaml", text)
        // 20,000 predictions a model, one outcome per 1,000, written before vigild starts: it
        // meets them as a backlog and reads as fast as it can. (No rotation: while LogTailer
        // reads whole rotated files in one poll, a backlog of rotated files is not bounded.)
        let writer = try RunningProcess(Binaries.logWriter, [
            "wide", scratch.file("logs"), String(count), "--models", "10", "--features", "50", "--outcome-every", "1000",
        ])
        #expect(try await writer.waitForExit(timeout: .seconds(120)) == 0)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started")

        // Caught up: every line ingested and every closed window (5,000 predictions) evaluated.
        let database = scratch.file("state/vigil.db")
        let deadline = ContinuousClock.now + .seconds(600)
        var last: [String] = []
        while ContinuousClock.now < deadline {
            last = try await sqliteQuery(database, """
                SELECT (SELECT sum(predictions_ingested) FROM model_stats), (SELECT sum(outcomes_ingested) FROM model_stats),
                       (SELECT count(*) FROM windows WHERE status = 'evaluated'), (SELECT count(*) FROM windows WHERE status = 'closed')
                """)
            if last == ["\(count)|200|40|0"] { break }
            #expect(daemon.isRunning)
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(last == ["\(count)|200|40|0"], "ingested predictions | outcomes | evaluated windows | windows waiting")
        #expect(try await sqliteQuery(database, "SELECT sum(pending_predictions), sum(joined), sum(quarantined) FROM model_stats")
            == ["\(count - 200)|200|0"])

        let peak = try Self.peakRSS(of: daemon.pid)
        #expect(peak < 150_000_000, "vigild's peak RSS was \(peak / 1_048_576) MiB")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
