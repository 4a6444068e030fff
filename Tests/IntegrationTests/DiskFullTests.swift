import Foundation
import Testing

/// vigild with its state directory on a tmpfs that fills up: ingestion stops advancing its
/// checkpoints, reports once, keeps retrying, and once space is freed ends where a clean run ends.
///
/// Mounting needs root; as any other user the test is skipped (deploy/dev.sh test runs as root in CI).
@Suite(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct DiskFullTests {
    @Test("ENOSPC on the state directory: one crit entry, checkpoints hold still, nothing lost; with space freed the counts equal a clean run's")
    func diskFull() async throws {
        let scratch = try Scratch()
        let count = 40_000
        let predictions = try RunningProcess(Binaries.logWriter, ["predictions", scratch.file("sepsis-risk-p.jsonl"), String(count)])
        let outcomes = try RunningProcess(Binaries.logWriter, ["outcomes", scratch.file("sepsis-risk-o.jsonl"), String(count)])
        #expect(try await predictions.waitForExit() == 0)
        #expect(try await outcomes.waitForExit() == 0)

        // The clean run, on the ordinary disk.
        let clean = try scratch.write("clean.yaml", """
            state_dir: \(scratch.file("clean-state"))
            models:
              - {name: sepsis-risk, predictions: \(scratch.file("sepsis-risk-p.jsonl")), outcomes: \(scratch.file("sepsis-risk-o.jsonl"))}
            """)
        let reference = try RunningProcess(Binaries.vigild, ["--config", clean])
        try await reference.waitForStandardError(containing: "started", timeout: .seconds(60))
        do {
            try await StatusJSON.waitFor(stateDirectory: scratch.file("clean-state")) { $0.joined == Int64(count) }
        } catch {
            Issue.record("the clean run: \(reference.standardError.suffix(3000))")
            throw error
        }

        // The same files, with the state on a 4 MiB tmpfs: the database outgrows it early.
        let state = scratch.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let mounted = try await runToCompletion(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=4m,mode=0750", "tmpfs", state])
        try #require(mounted.status == 0, "mount: \(mounted.stderr)")
        defer { _ = unmount(state); withExtendedLifetime(scratch) {} }
        let config = try scratch.validConfig()
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "ingestion could not commit to the state database", timeout: .seconds(60))
        let commitFailure = "crit ingestion could not commit to the state database; checkpoints stay where they were, nothing is lost, retrying every second: SQLite error 13 (database or disk is full)"
        #expect(daemon.standardError.contains(commitFailure), "\(daemon.standardError.suffix(2000))")

        // Full, and held there: the committed position does not move while vigild retries.
        let stuck = try await StatusJSON.read(stateDirectory: state).models[0]
        try await Task.sleep(for: .seconds(4))
        let later = try await StatusJSON.read(stateDirectory: state).models[0]
        #expect(later.predictions_ingested == stuck.predictions_ingested && later.outcomes_ingested == stuck.outcomes_ingested)
        #expect(later.files.map(\.offset) == stuck.files.map(\.offset))
        #expect(stuck.predictions_ingested < Int64(count))
        #expect(occurrences(of: "could not commit", in: daemon.standardError) == 1, "reported once, not once per retry")

        // Space freed: it catches up by itself.
        let grown = try await runToCompletion(URL(fileURLWithPath: "/bin/mount"), ["-o", "remount,size=512m", state])
        try #require(grown.status == 0, "remount: \(grown.stderr)")
        try await StatusJSON.waitFor(stateDirectory: state) { $0.joined == Int64(count) }
        try await daemon.waitForStandardError(containing: "ingestion commits succeed again", timeout: .seconds(60))
        // Let both settle (window evaluations follow the joins), then compare.
        try await Task.sleep(for: .seconds(2))
        daemon.signal(SIGTERM)
        reference.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(90)) == 0)
        #expect(try await reference.waitForExit(timeout: .seconds(90)) == 0)
        #expect(occurrences(of: "could not commit", in: daemon.standardError) == 1)

        let full = try await StatusJSON.read(stateDirectory: state).models[0]
        let expected = try await StatusJSON.read(stateDirectory: scratch.file("clean-state")).models[0]
        #expect(full.predictions_ingested == Int64(count) && full.outcomes_ingested == Int64(count))
        #expect([full.predictions_ingested, full.outcomes_ingested, full.joined, full.quarantined, full.pending_predictions,
                 full.pending_outcomes, full.predictions_unlabeled, full.outcomes_orphaned]
                == [expected.predictions_ingested, expected.outcomes_ingested, expected.joined, expected.quarantined, expected.pending_predictions,
                    expected.pending_outcomes, expected.predictions_unlabeled, expected.outcomes_orphaned])
        let tables = "SELECT (SELECT count(*) FROM predictions WHERE status = 'joined') || ' ' || (SELECT count(*) FROM windows) || ' ' || (SELECT count(DISTINCT id) FROM outcomes)"
        #expect(try await sqliteQuery(state + "/vigil.db", tables) == sqliteQuery(scratch.file("clean-state/vigil.db"), tables))
    }

    private func occurrences(of text: String, in output: String) -> Int {
        output.components(separatedBy: text).count - 1
    }

    private func unmount(_ path: String) -> Int32 {
        umount2(path, Int32(MNT_DETACH))
    }
}
