import Foundation
import Testing
import VigilSystemd
import VigilTestSupport
@testable import VigilMonitor

/// The notifier against a real Alertmanager (`prometheus-alertmanager`), one per test.
@Suite(.enabled(if: AlertmanagerProcess.isInstalled, "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"))
struct AlertmanagerNotifierTests {
    /// The listed alert for `model`, if Alertmanager lists one.
    func listed(_ alertmanager: AlertmanagerProcess, model: String = "sepsis-risk") async throws -> [String: Any]? {
        try await alertmanager.alerts().first { labels(of: $0)["model"] == model }
    }

    func labels(of alert: [String: Any]) -> [String: String] { alert["labels"] as? [String: String] ?? [:] }

    @Test("a firing drift alert reaches Alertmanager with its labels and annotations, and its resolution ends it")
    func firingThenResolved() async throws {
        let alertmanager = try AlertmanagerProcess()
        try await alertmanager.waitUntilReady()
        let recorder = JournalRecorder()
        let notifier = AlertmanagerNotifier(url: alertmanager.url, log: recorder.log)
        defer { notifier.stop() }

        let firing = Alert.lactateDrift(.firing, startsAt: Date().timeIntervalSince1970 - 600)
        notifier.update([firing])
        var found: [String: Any]?
        let arrived = try await eventually { found = try await listed(alertmanager); return found != nil }
        try #require(arrived, "Alertmanager never listed the alert; its log:\n\(alertmanager.log)")
        let alert = try #require(found)
        #expect(labels(of: alert) == ["alertname": "VigilDrift", "model": "sepsis-risk", "feature": "lactate",
                                      "subgroup": "site=ED-1", "severity": "warning", "version": "3"])
        let annotations = alert["annotations"] as? [String: String] ?? [:]
        #expect(annotations["summary"] == firing.summary)
        #expect(annotations["description"] == firing.description)
        #expect(annotations["runbook_url"] == AlertmanagerNotifier.defaultRunbookBase + "drift")
        #expect(abs((unixSeconds(alert["startsAt"]) ?? 0) - firing.startsAt) < 0.002)
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")
        #expect(try await alertmanager.alerts(active: true).count == 1)

        notifier.update([.lactateDrift(.resolved, startsAt: firing.startsAt, endsAt: Date().timeIntervalSince1970)])
        let ended = try await eventually { try await listed(alertmanager) == nil }
        #expect(ended, "Alertmanager still lists the resolved alert")
        #expect(recorder.all.isEmpty, "nothing to journal when Alertmanager answers: \(recorder.all.map(\.message))")
    }

    @Test("firing alerts are re-sent every resend interval with endsAt four minutes after the clock's now")
    func resend() async throws {
        let alertmanager = try AlertmanagerProcess()
        try await alertmanager.waitUntilReady()
        let clock = TestClock()
        let start = clock.now
        let notifier = AlertmanagerNotifier(url: alertmanager.url, resendInterval: .milliseconds(200), clock: { clock.now },
                                            log: JournalRecorder().log)
        defer { notifier.stop() }

        notifier.update([.lactateDrift(.firing, startsAt: start - 60)])
        var endsAt: Double?
        let first = try await eventually {
            endsAt = unixSeconds(try await listed(alertmanager)?["endsAt"])
            return endsAt != nil
        }
        try #require(first, "Alertmanager never listed the alert; its log:\n\(alertmanager.log)")
        #expect(abs(endsAt! - (start + 240)) < 0.002)

        // Nothing new arrives: only the periodic re-send can move endsAt.
        clock.advance(by: 100)
        let moved = try await eventually {
            endsAt = unixSeconds(try await listed(alertmanager)?["endsAt"])
            return endsAt.map { abs($0 - (start + 340)) < 0.002 } ?? false
        }
        #expect(moved, "endsAt stayed at \(String(describing: endsAt)), expected \(start + 340)")
    }

    @Test("an outage is journaled once however many retries fail, with a notice when Alertmanager answers again")
    func outage() async throws {
        let port = try AlertmanagerProcess.freeLoopbackPort()
        let url = "http://127.0.0.1:\(port)"
        let recorder = JournalRecorder()
        let notifier = AlertmanagerNotifier(url: url, initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200),
                                            log: recorder.log)
        defer { notifier.stop() }

        // Nothing listens: update still returns, and the worker keeps trying.
        notifier.update([.lactateDrift(.firing, startsAt: Date().timeIntervalSince1970)])
        notifier.update([.lactateDrift(.firing, model: "aki-risk", startsAt: Date().timeIntervalSince1970)])
        #expect(await eventually { notifier.attempts >= 5 }, "only \(notifier.attempts) attempts")
        let warnings = recorder.entries(with: .alertmanagerUnreachable)
        try #require(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings[0].priority == .warning)
        #expect(warnings[0].field("VIGIL_URL") == url)
        #expect(warnings[0].field("VIGIL_ERROR")?.contains("connection refused") == true, "\(warnings[0].field("VIGIL_ERROR") ?? "")")

        let alertmanager = try AlertmanagerProcess(port: port)
        try await alertmanager.waitUntilReady()
        let delivered = try await eventually {
            let sepsis = try await listed(alertmanager), aki = try await listed(alertmanager, model: "aki-risk")
            return sepsis != nil && aki != nil
        }
        #expect(delivered, "the alerts kept during the outage never arrived")
        let notice = try await recorder.waitFor { $0.priority == .notice && $0.message.contains("reachable again") }
        #expect(notice?.field("VIGIL_URL") == url)
        #expect(recorder.entries(with: .alertmanagerUnreachable).count == 1)
    }

    @Test("stop makes one last attempt to deliver a resolved alert still waiting for a retry")
    func stopDeliversResolved() async throws {
        let port = try AlertmanagerProcess.freeLoopbackPort()
        let startsAt = Date().timeIntervalSince1970 - 600
        // The resolution fails first (nothing listens), and its retry is half a minute away.
        let recorder = JournalRecorder()
        let late = AlertmanagerNotifier(url: "http://127.0.0.1:\(port)", initialBackoff: .seconds(30), log: recorder.log)
        late.update([.lactateDrift(.resolved, startsAt: startsAt, endsAt: Date().timeIntervalSince1970)])
        #expect(await eventually { late.attempts == 1 && !recorder.all.isEmpty })

        // Alertmanager comes up and learns of the alert as firing from another notifier.
        let alertmanager = try AlertmanagerProcess(port: port)
        try await alertmanager.waitUntilReady()
        let early = AlertmanagerNotifier(url: alertmanager.url, log: JournalRecorder().log)
        early.update([.lactateDrift(.firing, startsAt: startsAt)])
        #expect(try await eventually { try await listed(alertmanager) != nil })
        await early.stop()

        await late.stop()
        #expect(late.attempts == 2)
        #expect(try await eventually(timeout: .seconds(2)) { try await listed(alertmanager) == nil },
                "the resolution sent while stopping did not end the alert")
    }

    @Test("a URL that is not http(s) is reported like an outage, once")
    func invalidURL() async throws {
        let recorder = JournalRecorder()
        let notifier = AlertmanagerNotifier(url: "alertmanager:9093", initialBackoff: .milliseconds(10),
                                            maximumBackoff: .milliseconds(20), log: recorder.log)
        notifier.update([.lactateDrift(.firing)])
        #expect(await eventually { notifier.attempts >= 3 })
        await notifier.stop()
        let entries = recorder.entries(with: .alertmanagerUnreachable)
        #expect(entries.count == 2, "the outage, then the failed last attempt at stop: \(entries.map(\.message))")
        #expect(entries.first?.field("VIGIL_ERROR") == "not an http or https URL")
    }
}

/// The notifier against a server that never answers: no Alertmanager needed.
struct AlertmanagerNotifierSilenceTests {
    @Test("the token_file's bearer token is sent in the Authorization header and never journaled, even when the answer echoes it")
    func bearerTokenIsSentNotLogged() async throws {
        let server = try RecordingHTTPServer(status: 401, echoHeaders: true)
        defer { server.stop() }
        let token = "vigil-test-token-5f1c9e"
        let recorder = JournalRecorder()
        let notifier = AlertmanagerNotifier(url: "http://alerts:hunter2@127.0.0.1:\(server.port)", token: Secret(token),
                                            initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(100), log: recorder.log)
        notifier.update([.lactateDrift(.firing)])
        #expect(await eventually { notifier.attempts >= 3 })
        await notifier.stop()

        let request = try #require(server.requests.first)
        #expect(request.contains("Authorization: Bearer \(token)\r\n"), "\(request)")
        let outage = try #require(recorder.entries(with: .alertmanagerUnreachable).first)
        let error = try #require(outage.field("VIGIL_ERROR"))
        #expect(error.contains("401") && error.contains("Authorization: Bearer <redacted>"), "\(error)")
        #expect(outage.field("VIGIL_URL") == "http://<redacted>@127.0.0.1:\(server.port)")
        let everything = recorder.all.map { entry in ([entry.message] + entry.fields.map { "\($0.name.rawValue)=\($0.value)" }).joined(separator: " ") }
        #expect(!everything.isEmpty)
        #expect(everything.allSatisfy { !$0.contains(token) && !$0.contains("hunter2") }, "\(everything)")
        #expect("\(AlertmanagerConfig(url: "http://127.0.0.1:9093", token: Secret(token)))".contains(token) == false)
        #expect(String(reflecting: Secret(token)) == "<redacted>")
    }

    @Test("a server that never answers is an outage, and the last try at stop has its own timeout")
    func silentServer() async throws {
        let listener = try SilentListener()
        let recorder = JournalRecorder()
        let notifier = AlertmanagerNotifier(url: "http://127.0.0.1:\(listener.port)", requestTimeout: .seconds(1),
                                            finalTimeout: .seconds(1), log: recorder.log)
        notifier.update([.lactateDrift(.firing)])
        let outage = try await recorder.waitFor { $0.messageID == MonitorEvent.alertmanagerUnreachable.messageID }
        #expect(outage?.field("VIGIL_ERROR") == "no answer within 1 s")

        // Stop comes while the retry is under way (it is cancelled) or after it failed (no new entry).
        notifier.update([.lactateDrift(.resolved)])
        #expect(await eventually { notifier.attempts >= 2 })
        let attemptsBeforeStop = notifier.attempts
        await notifier.stop()
        let entries = recorder.entries(with: .alertmanagerUnreachable)
        #expect(entries.count == 2, "\(entries.map(\.message))")
        #expect(entries.last?.message.hasPrefix("stopping: 1 resolved alert(s) could not be delivered") == true)
        #expect(entries.last?.field("VIGIL_ERROR") == "no answer within 1 s", "the last try has its own timeout")
        // Exactly one more try, at stop (a retry under way when stop came was already counted).
        #expect(notifier.attempts == attemptsBeforeStop + 1)
    }
}
