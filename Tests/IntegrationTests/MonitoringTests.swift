import Foundation
import Testing
import VigilTestSupport

/// vigild evaluating windows of real logs: drift against a reference file, alerts with their
/// journal fields, and what `vigil alerts` and `vigil history` show.
struct MonitoringTests {
    /// `vigil-test-logwriter`'s first prediction time.
    static let base = 1_795_000_000.0
    static let driftFiring = "d8ad743feea04f1e9a74f28ddd791942"
    static let resolved = "89496dbab4fe4c7a9b5c3aeca145896d"
    static let evaluation = "e06cd22b195541c386c8c2964bf3d1db"

    static func rfc3339(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// A command's stdout as a JSON object, or a failure that shows what it printed.
    static func json(_ run: (status: Int32, stdout: String, stderr: String), _ what: String) throws -> [String: Any]? {
        do {
            return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        } catch {
            throw TestFailure("\(what) (status \(run.status)) printed no JSON object: \(run.stdout.count) bytes on stdout, starting \(run.stdout.prefix(300)); stderr: \(run.stderr.prefix(500))")
        }
    }

    @Test("a shift at one site fires one drift alert naming the feature and the site, journaled with its fields, and resolves after the shift")
    func driftAlertEndToEnd() async throws {
        let scratch = try Scratch()
        // A model name of its own, so that this run's journal entries can be told apart.
        let model = "sepsis-" + UUID().uuidString.prefix(8).lowercased()
        let data = scratch.file("data")
        let writer = try RunningProcess(Binaries.logWriter, ["scenario", data, "6000", "--shift-from", "1500", "--shift-to", "3500", "--shift-site", "ED-1"])
        #expect(try await writer.waitForExit() == 0)
        let config = try scratch.write("vigil.yaml", """
            state_dir: \(scratch.file("state"))
            models:
              - name: \(model)
                predictions: \(data)/predictions.jsonl
                outcomes: \(data)/outcomes.jsonl
                features: {age: numeric, heart_rate: numeric, lactate: numeric, site: categorical}
                reference: \(data)/reference.csv
                subgroups: [site, sex]
                window: {predictions: 500}
                drift: {for: 2, resolve_for: 2}
                performance: {alert_below: 0.6}
                pipeline: {silence_after: off, max_outcome_lag: off}
            """)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config], environment: ["VIGIL_LOG_TARGET": "journal"])
        defer { daemon.signal(SIGKILL) }
        let database = scratch.file("state/vigil.db")
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: database),
               (try? await sqliteQuery(database, "SELECT count(*) FROM windows WHERE status = 'evaluated'")) == ["12"] { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await sqliteQuery(database, "SELECT count(*) FROM windows WHERE status = 'evaluated'") == ["12"])

        let evaluations = try await JournalReader.waitForEntries(
            matching: ["MESSAGE_ID=\(Self.evaluation)", "VIGIL_MODEL=\(model)", "VIGIL_EVALUATION=window"], count: 12)
        #expect(evaluations.count == 12)
        #expect(evaluations.first?["PRIORITY"] == "6")

        // One alert: lactate at ED-1, firing on the second shifted window (rows 2000..<2500).
        let firing = try await JournalReader.waitForEntries(matching: ["MESSAGE_ID=\(Self.driftFiring)", "VIGIL_MODEL=\(model)"], count: 1)
        #expect(firing.count == 1)
        let alert = try #require(firing.first)
        #expect(alert["PRIORITY"] == "4")
        #expect(alert["VIGIL_RULE"] == "drift")
        #expect(alert["VIGIL_FEATURE"] == "lactate")
        #expect(alert["VIGIL_SUBGROUP"] == "site=ED-1")
        #expect(alert["VIGIL_VERSION"] == "3")
        #expect(alert["VIGIL_THRESHOLD"] == "0.25")
        #expect(Double(alert["VIGIL_VALUE"] ?? "") ?? 0 > 0.25)
        #expect(alert["VIGIL_WINDOW_START"] == Self.rfc3339(Self.base + 2_000 * 60))
        #expect(alert["VIGIL_WINDOW_END"] == Self.rfc3339(Self.base + 2_499 * 60))
        #expect(alert["MESSAGE"]?.hasPrefix("\(model) v3: input drift in lactate (PSI ") == true)
        #expect(alert["MESSAGE"]?.hasSuffix("at site ED-1") == true)

        // Resolved after two clear windows (rows 3500..<4500).
        let resolved = try await JournalReader.waitForEntries(matching: ["MESSAGE_ID=\(Self.resolved)", "VIGIL_MODEL=\(model)"], count: 1)
        #expect(resolved.count == 1)
        #expect(resolved.first?["PRIORITY"] == "5")
        #expect(resolved.first?["VIGIL_WINDOW_START"] == Self.rfc3339(Self.base + 4_000 * 60))
        // Nothing else alerted: no other feature, no performance, data-quality or pipeline alert.
        #expect(try await sqliteQuery(database, "SELECT count(*) FROM alert_events") == ["2"])

        let alerts = try await runToCompletion(Binaries.vigil, ["alerts", "--state-dir", scratch.file("state"), "--json"])
        #expect(alerts.status == 0)
        let report = try Self.json(alerts, "vigil alerts")
        let entries = report?["alerts"] as? [[String: Any]] ?? []
        #expect(entries.count == 1)
        #expect(entries.first?["alertname"] as? String == "VigilDrift")
        #expect(entries.first?["status"] as? String == "resolved")
        #expect(entries.first?["subgroup"] as? String == "site=ED-1")

        // Through the control socket: the history lists every window and both transitions.
        let history = try await runToCompletion(Binaries.vigil, ["history", model, "--config", config, "--json"])
        #expect(history.status == 0, "\(history.stderr)")
        let historyJSON = try Self.json(history, "vigil history")
        let windows = (historyJSON?["evaluations"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "window" }
        #expect(windows.count == 12)
        let fourth = try #require(windows.dropFirst(3).first)
        let features = fourth["features"] as? [[String: Any]] ?? []
        let lactateAtED1 = features.first { $0["name"] as? String == "lactate" && $0["subgroup"] as? String == "site=ED-1" }
        #expect(lactateAtED1?["drifted"] as? Bool == true)
        #expect(Set((fourth["performance"] as? [String: Any] ?? [:]).keys).isSuperset(of: ["n", "auroc", "auroc_ci", "ece", "sensitivity", "specificity", "estimated_auroc", "estimated_sensitivity"]))
        let events = (historyJSON?["events"] as? [[String: Any]] ?? []).map { $0["kind"] as? String }
        #expect(events == ["alert_firing", "alert_resolved"])

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("a drift alert reaches a real Alertmanager, the alert command and the metrics file (accepted by promtool), and resolves in Alertmanager once the shift ends")
    func alertOutputs() async throws {
        guard AlertmanagerProcess.isInstalled, FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            print("skipped: prometheus-alertmanager or promtool is not installed (deploy/dev.sh test installs them)")
            return
        }
        let scratch = try Scratch()
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.stop() }
        try await alertmanager.waitUntilReady()
        let model = "sepsis-" + UUID().uuidString.prefix(8).lowercased()
        let source = scratch.file("source")
        #expect(try await runToCompletion(Binaries.logWriter, ["scenario", source, "6000", "--shift-from", "1500", "--shift-to", "3500", "--shift-site", "ED-3"]).status == 0)
        let lines = try String(contentsOfFile: "\(source)/predictions.jsonl", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let log = scratch.file("predictions.jsonl")
        // The shifted part first (through row 3499); the rest once the alert has fired.
        try (lines.prefix(3_500).joined(separator: "\n") + "\n").write(toFile: log, atomically: false, encoding: .utf8)
        let hook = try scratch.write("hook.sh", "#!/bin/sh\ncat >> \(scratch.file("hook.jsonl"))\necho >> \(scratch.file("hook.jsonl"))\n")
        chmod(hook, 0o755)
        let metrics = scratch.file("vigil.prom")
        let config = try scratch.write("vigil.yaml", """
            state_dir: \(scratch.file("state"))
            metrics_file: \(metrics)
            alertmanager: {url: "\(alertmanager.url)"}
            alert_command: \(hook)
            models:
              - name: \(model)
                predictions: \(log)
                outcomes: \(source)/outcomes.jsonl
                features: {age: numeric, heart_rate: numeric, lactate: numeric, site: categorical}
                reference: \(source)/reference.csv
                subgroups: [site, sex]
                window: {predictions: 500}
                performance: {alert_below: 0.6}
                pipeline: {silence_after: off, max_outcome_lag: off}
            """)
        let daemon = try RunningProcess(Binaries.vigild, ["--config", config])
        defer { daemon.signal(SIGKILL) }

        func activeDrift() async throws -> [[String: Any]] {
            try await alertmanager.alerts(active: true).filter { alert in
                let labels = alert["labels"] as? [String: String] ?? [:]
                return labels["alertname"] == "VigilDrift" && labels["model"] == model
            }
        }
        var active: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, active.isEmpty {
            active = try await activeDrift()
            if active.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(active.count == 1)
        let labels = active.first?["labels"] as? [String: String] ?? [:]
        #expect(labels["feature"] == "lactate")
        #expect(labels["subgroup"] == "site=ED-3")
        #expect(labels["severity"] == "warning")
        #expect(labels["version"] == "3")
        let annotations = active.first?["annotations"] as? [String: String] ?? [:]
        #expect(annotations["summary"]?.contains("input drift in lactate") == true)
        #expect(annotations["runbook_url"]?.isEmpty == false)

        // The alert command got the alert as JSON on stdin.
        let hookOutput = (try? String(contentsOfFile: scratch.file("hook.jsonl"), encoding: .utf8)) ?? ""
        let firstCall = hookOutput.split(separator: "\n").first.map(String.init) ?? ""
        let payload = try JSONSerialization.jsonObject(with: Data(firstCall.utf8)) as? [String: Any]
        #expect(payload?["alertname"] as? String == "VigilDrift")
        #expect(payload?["status"] as? String == "firing")
        #expect(payload?["feature"] as? String == "lactate")

        // The metrics file (rewritten after each tick that evaluated): promtool accepts it, and it shows the drift.
        var text = ""
        // Written after the tick that evaluated the backlog: on a loaded machine the nice-19 monitor takes a while.
        let metricsDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < metricsDeadline, !text.contains("vigil_alerts_firing{model=\"\(model)\",version=\"3\"} 1") {
            try await Task.sleep(for: .milliseconds(100))
            text = (try? String(contentsOfFile: metrics, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("vigil_alerts_firing{model=\"\(model)\",version=\"3\"} 1"))
        #expect(text.contains("vigil_feature_psi{model=\"\(model)\",version=\"3\",feature=\"lactate\",subgroup=\"site=ED-3\"}"))
        #expect(text.contains("vigil_feature_psi{"))
        let check = try ProgramRun("/usr/bin/promtool", ["check", "metrics"], inputFile: metrics)
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardError.isEmpty && check.standardOutput.isEmpty)

        // The shift ends: after two clear windows the alert resolves in Alertmanager.
        let handle = try #require(FileHandle(forWritingAtPath: log))
        handle.seekToEndOfFile()
        handle.write(Data((lines.dropFirst(3_500).joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let resolveDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < resolveDeadline, !active.isEmpty {
            try await Task.sleep(for: .milliseconds(200))
            active = try await activeDrift()
        }
        #expect(active.isEmpty, "the drift alert is still active in Alertmanager")
        #expect(try await sqliteQuery(scratch.file("state/vigil.db"), "SELECT status FROM alert_events ORDER BY seq") == ["firing", "resolved"])

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("vigil evaluate judges a file as one window: exit 1 naming the breached rule, 0 for a stable file, 65 for a malformed line")
    func offlineEvaluation() async throws {
        let scratch = try Scratch()
        let shifted = scratch.file("shifted")
        let stable = scratch.file("stable")
        #expect(try await runToCompletion(Binaries.logWriter, ["scenario", shifted, "3000", "--shift-from", "0", "--shift-to", "3000", "--shift-site", "ED-2"]).status == 0)
        #expect(try await runToCompletion(Binaries.logWriter, ["scenario", stable, "3000"]).status == 0)
        let config = try scratch.write("vigil.yaml", """
            state_dir: \(scratch.file("state"))
            models:
              - name: sepsis-risk
                predictions: /var/log/unused-p.jsonl
                outcomes: /var/log/unused-o.jsonl
                features: {age: numeric, heart_rate: numeric, lactate: numeric, site: categorical}
                reference: \(stable)/reference.csv
                subgroups: [site, sex]
                performance: {alert_below: 0.6}
            """)
        let breached = try await runToCompletion(Binaries.vigil, [
            "evaluate", "sepsis-risk", "--config", config, "--predictions", "\(shifted)/predictions.jsonl", "--outcomes", "\(shifted)/outcomes.jsonl"])
        #expect(breached.status == 1)
        #expect(breached.stdout.contains("sepsis-risk v3: input drift in lactate (PSI "))
        #expect(breached.stdout.contains("at site ED-2"))
        #expect(!breached.stdout.contains("input drift in age"))

        let calm = try await runToCompletion(Binaries.vigil, [
            "evaluate", "sepsis-risk", "--config", config, "--predictions", "\(stable)/predictions.jsonl", "--outcomes", "\(stable)/outcomes.jsonl", "--json"])
        #expect(calm.status == 0, "\(calm.stdout)")
        let evaluation = try JSONSerialization.jsonObject(with: Data(calm.stdout.utf8)) as? [String: Any]
        #expect(evaluation?["n"] as? Int == 3000)
        #expect((evaluation?["performance"] as? [String: Any])?["n"] as? Int == 2000)

        let broken = try scratch.write("broken.jsonl", "{\"id\":\"a\",\"ts\":1,\"score\":2,\"features\":{}}\n")
        let malformed = try await runToCompletion(Binaries.vigil, ["evaluate", "sepsis-risk", "--config", config, "--predictions", broken])
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("broken.jsonl, line 1: score_out_of_range"))
    }
}
