import Foundation
import Testing

/// What the hardening of `systemd/vigild.service` relies on, checked on a running vigild
/// without a service manager.
struct HardeningTests {
    /// The mappings of process `pid` that are both writable and executable (`/proc/PID/maps`
    /// lines whose permissions read `rwx` or `-wx`).
    static func writableExecutableMappings(of pid: Int32) throws -> [String] {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        return maps.split(separator: "\n").map(String.init).filter { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { return false }
            let permissions = Array(fields[1])
            return permissions.count >= 3 && permissions[1] == "w" && permissions[2] == "x"
        }
    }

    @Test("MemoryDenyWriteExecute=yes holds: vigild never has a writable and executable mapping while it starts, ingests, evaluates, answers and reloads")
    func noWritableExecutableMemory() async throws {
        let scratch = try Scratch()
        let data = scratch.file("data")
        // 3,000 predictions with their outcomes and a reference file; lactate shifts at one site
        // from the 1,000th, so that the evaluations find drift and an alert fires.
        let writer = try RunningProcess(Binaries.logWriter, ["scenario", data, "3000", "--shift-from", "1000", "--shift-to", "3000", "--shift-site", "ED-1"])
        #expect(try await writer.waitForExit() == 0)
        let config = try scratch.write("vigil.yaml", """
            state_dir: \(scratch.file("state"))
            control_socket: \(scratch.file("control.sock"))
            metrics_file: \(scratch.file("vigil.prom"))
            models:
              - name: sepsis-risk
                predictions: \(data)/predictions.jsonl
                outcomes: \(data)/outcomes.jsonl
                features: {age: numeric, heart_rate: numeric, lactate: numeric, site: categorical}
                reference: \(data)/reference.csv
                subgroups: [site, sex]
                window: {predictions: 500}
                pipeline: {silence_after: off, max_outcome_lag: off}
            """)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config], environment: ["VIGIL_LOG_TARGET": "stderr"])
        defer { daemon.signal(SIGKILL) }

        var samples = 0
        var offending: [String] = []
        func sample() throws {
            guard daemon.isRunning else { return }
            offending += try Self.writableExecutableMappings(of: daemon.pid)
            samples += 1
        }

        // Sampled from the first moment on, through start-up, ingestion and all six evaluations.
        let database = scratch.file("state/vigil.db")
        var evaluated: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, daemon.isRunning {
            try sample()
            if FileManager.default.fileExists(atPath: database) {
                evaluated = (try? await sqliteQuery(database, "SELECT count(*) FROM windows WHERE status = 'evaluated'")) ?? []
                if evaluated == ["6"] { break }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(evaluated == ["6"], "vigild evaluated \(evaluated) windows; stderr: \(daemon.standardError.suffix(2_000))")
        #expect(try await sqliteQuery(database, "SELECT count(*) FROM alert_events WHERE status = 'firing'") != ["0"])

        // A control request and a reload load no new code either.
        let status = try await runToCompletion(Binaries.vigil, ["status", "--socket", scratch.file("control.sock"), "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        try sample()
        daemon.signal(SIGHUP)
        try await daemon.waitForStandardError(containing: "configuration reloaded")
        try sample()

        #expect(samples >= 3)
        #expect(offending.isEmpty, "writable and executable mappings: \(Set(offending).sorted())")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
