import Foundation
import Testing

/// vigild under a stand-in for systemd: sd_notify messages, signals, reloads and crashes.
struct DaemonLifecycleTests {
    @Test("vigild tells systemd READY, STATUS, watchdog pings, RELOADING on SIGHUP and STOPPING on SIGTERM")
    func notifyProtocol() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let notify = try NotifySocket(path: scratch.file("notify.sock"))
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config], environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000",
        ])

        let startup = try notify.receive(until: { $0.contains("READY=1") }, timeout: .seconds(15))
        let ready = try #require(startup.last)
        // Before the monitor's first summary the status names the models; after it, it is the summary.
        #expect(ready.split(separator: "\n").contains { $0.hasPrefix("STATUS=Watching 1 model(s): sepsis-risk") || $0.hasPrefix("STATUS=1 model: ") })
        // The monitor's one-line summary (issue 6): models ok or firing, and predictions.
        let summary = "STATUS=1 model: 1 ok; 0 predictions"
        if !startup.contains(where: { $0.contains(summary) }) {
            _ = try notify.receive(until: { $0.contains(summary) }, timeout: .seconds(10))
        }

        // Half of WATCHDOG_USEC is one second: at least two pings in three seconds.
        var pings = 0
        let watchdogDeadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < watchdogDeadline {
            if let message = notify.receive(timeout: .milliseconds(200)), message == "WATCHDOG=1" { pings += 1 }
        }
        #expect(pings >= 2)

        daemon.signal(SIGHUP)
        let reloading = try notify.receive(until: { $0.contains("RELOADING=1") }, timeout: .seconds(10))
        let fields = try #require(reloading.last).split(separator: "\n")
        let monotonic = try #require(fields.first { $0.hasPrefix("MONOTONIC_USEC=") })
        #expect(UInt64(monotonic.dropFirst("MONOTONIC_USEC=".count)).map { $0 > 0 } == true)
        _ = try notify.receive(until: { $0.contains("READY=1") }, timeout: .seconds(10))
        try await daemon.waitForStandardError(containing: "configuration reloaded")

        daemon.signal(SIGTERM)
        _ = try notify.receive(until: { $0.contains("STOPPING=1") }, timeout: .seconds(10))
        #expect(try await daemon.waitForExit() == 0)
        #expect(daemon.standardError.contains("vigild stopped on SIGTERM"))
    }

    @Test("without NOTIFY_SOCKET vigild runs and stops on SIGINT with exit 0")
    func withoutSystemd() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started, watching 1 model(s)")
        daemon.signal(SIGINT)
        #expect(try await daemon.waitForExit() == 0)
        #expect(daemon.standardError.contains("vigild stopped on SIGINT"))
    }

    @Test("SIGHUP with a broken file keeps the old configuration running; a fixed file is then applied")
    func reloadKeepsOldConfigOnError() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        try await daemon.waitForStandardError(containing: "started")

        try scratch.write("vigil.yaml", "models:\n  - name: sepsis-risk\n    label_horizon: soon\n")
        daemon.signal(SIGHUP)
        try await daemon.waitForStandardError(containing: "configuration reload failed, keeping the running configuration")
        #expect(daemon.standardError.contains("models[0].label_horizon: expected a duration like 90s, 10m, 72h or 7d, found \"soon\" (line 3)"))
        #expect(daemon.isRunning)

        _ = try scratch.validConfig(models: ["sepsis-risk", "readmission"])
        daemon.signal(SIGHUP)
        try await daemon.waitForStandardError(containing: "configuration reloaded: 2 model(s), added readmission")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let models = try await sqliteQuery(scratch.file("state/vigil.db"), "SELECT name FROM models ORDER BY name")
        #expect(models == ["readmission", "sepsis-risk"])
    }

    @Test("after a SIGKILL the next start reports the unclean stop and records its own clean one")
    func recoversFromKill() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let first = try RunningProcess(Binaries.vigild, ["--config", config])
        try await first.waitForStandardError(containing: "started")
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() == 128 + SIGKILL || first.isRunning == false)

        let second = try RunningProcess(Binaries.vigild, ["--config", config])
        try await second.waitForStandardError(containing: "started, watching")
        #expect(second.standardError.contains("previous vigild run (pid \(first.pid)"))
        #expect(second.standardError.contains("ended without a clean stop"))
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)

        let stops = try await sqliteQuery(scratch.file("state/vigil.db"), "SELECT stopped_at FROM daemon_runs ORDER BY id")
        #expect(stops.count == 2)
        #expect(stops.first == "unclean")
        #expect(stops.last?.hasPrefix("20") == true)
    }

    @Test("a SIGTERM while vigild is still starting (its database held locked by another process) stops it cleanly once it has started")
    func terminatedWhileStarting() async throws {
        let scratch = try Scratch()
        let config = try scratch.validConfig()
        let first = try RunningProcess(Binaries.vigild, ["--config", config])
        try await first.waitForStandardError(containing: "started, watching")
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)

        // Another process holds the write lock until told to let go: vigild's start waits on it
        // (busy timeout 5 s) when it records its run.
        let release = scratch.file("release")
        let locker = try RunningProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", """
            { echo 'BEGIN IMMEDIATE;'; echo '.print locked'; while [ ! -e '\(release)' ]; do sleep 0.05; done; echo 'COMMIT;'; } \
            | sqlite3 '\(scratch.file("state/vigil.db"))'
            """])
        try await locker.waitForStandardOutput(containing: "locked")
        let second = try RunningProcess(Binaries.vigild, ["--config", config])
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(second.isRunning)
        #expect(!second.standardError.contains("started, watching"), "vigild started while the database was locked")
        second.signal(SIGTERM)
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        #expect(try await locker.waitForExit() == 0)

        // Signals are caught from the start of Daemon.start: the SIGTERM waited for `run`, which
        // stopped at once. (Caught only from `run` on, it ended vigild by default action.)
        #expect(try await second.waitForExit() == 0, "\(second.standardError)")
        #expect(second.standardError.contains("vigild stopped on SIGTERM"), "\(second.standardError)")
        let stops = try await sqliteQuery(scratch.file("state/vigil.db"), "SELECT stopped_at FROM daemon_runs ORDER BY id")
        #expect(stops.count == 2 && stops.allSatisfy { $0.hasPrefix("20") }, "\(stops)")
    }
}

