import Foundation
import Testing
@testable import VigilMonitor

struct AlertmanagerPayloadTests {
    let now = 1_764_414_000.0  // 2025-11-29T11:00:00Z

    @Test("a firing alert carries its labels, annotations and an endsAt ahead of now")
    func firing() throws {
        let body = AlertmanagerPayload.body([AlertmanagerPayload(.lactateDrift(.firing), now: now, lifetime: 240,
                                                                 runbookBase: "https://example.org/runbook#alert-")])
        let expected = #"[{"annotations":{"description":"PSI of lactate at site=ED-1 is 0.31 against 0.2. Check the lactate feed at ED-1 for an assay or unit change.","runbook_url":"https://example.org/runbook#alert-drift","summary":"sepsis-risk v3: input drift in lactate (PSI 0.31) at site ED-1"},"endsAt":"2025-11-29T11:04:00.000Z","labels":{"alertname":"VigilDrift","feature":"lactate","model":"sepsis-risk","severity":"warning","subgroup":"site=ED-1","version":"3"},"startsAt":"2025-11-29T10:00:00.000Z"}]"#
        #expect(String(decoding: body, as: UTF8.self) == expected)
    }

    @Test("a resolved alert ends when it resolved, never after now and never before it started")
    func resolved() {
        let resolved = Alert.lactateDrift(.resolved, endsAt: 1_764_412_200)  // 10:30
        #expect(AlertmanagerPayload(resolved, now: now, lifetime: 240, runbookBase: "").endsAt == "2025-11-29T10:30:00.000Z")
        let future = Alert.lactateDrift(.resolved, endsAt: now + 600)
        #expect(AlertmanagerPayload(future, now: now, lifetime: 240, runbookBase: "").endsAt == "2025-11-29T11:00:00.000Z")
        let early = Alert.lactateDrift(.resolved, startsAt: now - 60, endsAt: now - 120)
        #expect(AlertmanagerPayload(early, now: now, lifetime: 240, runbookBase: "").endsAt == "2025-11-29T10:59:00.000Z")
    }

    @Test("labels without a value are left out")
    func missingLabels() {
        var alert = Alert.lactateDrift(.firing)
        alert.key = AlertKey(model: "sepsis-risk", rule: .pipeline)
        alert.version = ""
        let payload = AlertmanagerPayload(alert, now: now, lifetime: 240, runbookBase: "r#")
        #expect(payload.labels == ["alertname": "VigilPipeline", "model": "sepsis-risk", "severity": "warning"])
        #expect(payload.annotations["runbook_url"] == "r#pipeline")
    }

    @Test("the endpoint is the base URL with /api/v2/alerts; anything but http(s) is refused", arguments: [
        ("http://127.0.0.1:9093", "http://127.0.0.1:9093/api/v2/alerts"),
        ("https://am.example.org/", "https://am.example.org/api/v2/alerts"),
        ("http://am:9093/prefix//", "http://am:9093/prefix/api/v2/alerts"),
        ("ftp://am:9093", nil),
        ("127.0.0.1:9093", nil),
        ("", nil),
    ] as [(String, String?)])
    func endpoint(base: String, expected: String?) {
        #expect(AlertmanagerNotifier.endpoint(for: base)?.absoluteString == expected)
    }
}
