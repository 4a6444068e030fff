import Foundation
import Testing
import VigilTestSupport

/// vigild's memory does not grow with the joins it has pending (they live in SQLite), nor with
/// how far behind its logs it is (it reads a byte budget per poll, rotated files included). The
/// short form of deploy/memory-bound.sh (10 models x 50 features, 10,000,000 predictions).
struct MemoryBoundTests {
    static let models = (0..<10).map { String(format: "m%02d", $0) }
    /// Every third feature categorical, as `vigil-test-logwriter wide` writes them.
    static let features = (0..<50).map { $0 % 3 == 2 ? String(format: "c%02d: categorical", $0) : String(format: "n%02d: numeric", $0) }
    static let limit = 150_000_000

    /// The peak resident set size of process `pid` (VmHWM in /proc/PID/status), in bytes.
    static func peakRSS(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            throw TestFailure("no VmHWM in /proc/\(pid)/status:\n\(status)")
        }
        return kilobytes * 1_024
    }

    /// A vigild for `models` wide models with 30-day label horizons, their logs in `logs`, that
    /// has opened each (empty) log and was then stopped (SIGSTOP) while the log writer wrote
    /// `count` predictions with `writerOptions`; returned let go (SIGCONT), with everything behind it.
    static func vigildBehind(_ models: [String], count: Int, writerOptions: [String], scratch: Scratch) async throws -> RunningProcess {
        var text = "state_dir: \(scratch.file("state"))\nmodels:\n"
        for model in models {
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
        let logs = scratch.file("logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        for model in models {
            for log in ["\(logs)/\(model)-p.jsonl", "\(logs)/\(model)-o.jsonl"] {
                #expect(FileManager.default.createFile(atPath: log, contents: nil))
            }
        }
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        for model in models {
            try await daemon.waitForStandardError(containing: "reading \(logs)/\(model)-p.jsonl from its start", timeout: .seconds(60))
        }
        daemon.signal(SIGSTOP)
        let writer = try RunningProcess(Binaries.logWriter, ["wide", logs, String(count), "--models", String(models.count), "--features", "50"] + writerOptions)
        #expect(try await writer.waitForExit(timeout: .seconds(120)) == 0)
        daemon.signal(SIGCONT)
        return daemon
    }

    /// Waits until `daemon` has ingested `predictions` and `outcomes` and evaluated `windows`
    /// windows with none left waiting; checks that every prediction without its outcome is pending.
    static func waitUntilCaughtUp(_ daemon: RunningProcess, database: String, predictions: Int, outcomes: Int, windows: Int) async throws {
        let expected = "\(predictions)|\(outcomes)|\(windows)|0"
        let deadline = ContinuousClock.now + .seconds(600)
        var last: [String] = []
        while ContinuousClock.now < deadline {
            last = try await sqliteQuery(database, """
                SELECT (SELECT sum(predictions_ingested) FROM model_stats), (SELECT sum(outcomes_ingested) FROM model_stats),
                       (SELECT count(*) FROM windows WHERE status = 'evaluated'), (SELECT count(*) FROM windows WHERE status = 'closed')
                """)
            if last == [expected] { break }
            #expect(daemon.isRunning)
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(last == [expected], "ingested predictions | outcomes | evaluated windows | windows waiting")
        #expect(try await sqliteQuery(database, "SELECT sum(pending_predictions), sum(joined), sum(quarantined) FROM model_stats")
            == ["\(predictions - outcomes)|\(outcomes)|0"])
    }

    @Test("10 models x 50 features, 200,000 predictions waiting on 30-day label horizons, most in rotated files: every one is ingested and pending, and vigild's peak RSS stays under 150 MB")
    func pendingJoinsStayOnDisk() async throws {
        let scratch = try Scratch()
        // 20,000 predictions a model, one outcome per 1,000, the prediction logs rotated every
        // 5,000 lines: let go, vigild meets the file it had open renamed, two more rotated files
        // beside it and a live one, 15,000 wide lines a model behind.
        let daemon = try await Self.vigildBehind(Self.models, count: 200_000, writerOptions: ["--outcome-every", "1000", "--rotate-every", "5000"],
                                                 scratch: scratch)
        // Caught up: every line ingested and every closed window (5,000 predictions) evaluated.
        try await Self.waitUntilCaughtUp(daemon, database: scratch.file("state/vigil.db"), predictions: 200_000, outcomes: 200, windows: 40)

        // The rotated files were read as such: the one vigild had open to its end, the two after it found beside it.
        let logs = scratch.file("logs")
        for model in Self.models {
            for expected in ["\(logs)/\(model)-p.jsonl was rotated; the old file was read to its end (5000 lines)",
                             "read \(logs)/\(model)-p.jsonl.2, rotated away before vigild got to it (5000 lines)",
                             "read \(logs)/\(model)-p.jsonl.3, rotated away before vigild got to it (5000 lines)"] {
                #expect(daemon.standardError.contains(expected), "vigild did not say: \(expected)")
            }
        }
        let peak = try Self.peakRSS(of: daemon.pid)
        #expect(peak < Self.limit, "vigild's peak RSS was \(peak / 1_048_576) MiB")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("one model 60,000 wide lines behind in rotated files reads them a byte budget at a time: its peak RSS stays under 150 MB")
    func rotatedBacklogIsReadInBudget() async throws {
        let scratch = try Scratch()
        // 90,000 predictions rotated every 30,000: the file vigild had open and one more rotated
        // file are 60,000 lines (about 40 MB) it must read before the live one. Read whole in one
        // poll, as they once were, they became one batch of 60,000 parsed lines.
        let daemon = try await Self.vigildBehind(["m00"], count: 90_000, writerOptions: ["--outcome-every", "1000", "--rotate-every", "30000"],
                                                 scratch: scratch)
        try await Self.waitUntilCaughtUp(daemon, database: scratch.file("state/vigil.db"), predictions: 90_000, outcomes: 90, windows: 18)
        let logs = scratch.file("logs")
        #expect(daemon.standardError.contains("read \(logs)/m00-p.jsonl.2, rotated away before vigild got to it (30000 lines)"))
        let peak = try Self.peakRSS(of: daemon.pid)
        #expect(peak < Self.limit, "vigild's peak RSS was \(peak / 1_048_576) MiB")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
