import Testing
@testable import VigilMonitor

/// Hysteresis, cooldown and deduplication of one alert key on scripted sequences of evaluations.
struct AlertStateMachineTests {
    static let key = AlertKey(model: "sepsis-risk", rule: .drift, feature: "lactate")

    func observation(_ breaching: Bool, value: Double = 0.3, timing: AlertTiming = AlertTiming(fireAfter: 2, resolveAfter: 3)) -> AlertObservation {
        AlertObservation(
            key: Self.key, breaching: breaching, severity: .warning, version: "3", value: value, threshold: 0.25,
            summary: "lactate PSI \(value)", description: "", timing: timing, windowStart: nil, windowEnd: nil)
    }

    /// Runs `script` (true = breaching) through one state machine, one window an hour apart;
    /// returns each step's transition as "firing", "resolved" or "-".
    func run(_ script: [Bool], timing: AlertTiming = AlertTiming(fireAfter: 2, resolveAfter: 3)) -> [String] {
        var state = AlertState()
        return script.enumerated().map { index, breaching in
            let time = Double(index) * 3_600
            return state.observe(observation(breaching, timing: timing), time: time, now: 1_000 + time)?.status.rawValue ?? "-"
        }
    }

    @Test("fires after `for` consecutive breaches, once, and resolves after `resolve_for` consecutive clears")
    func hysteresis() {
        #expect(run([true, true, true, true, false, false, false, false])
            == ["-", "firing", "-", "-", "-", "-", "resolved", "-"])
    }

    @Test("a breach that does not last `for` evaluations never fires")
    func pendingResets() {
        #expect(run([true, false, true, false, true, false]) == ["-", "-", "-", "-", "-", "-"])
    }

    @Test("a clear run shorter than `resolve_for` keeps the alert firing, without a second notification")
    func flappingStaysFiring() {
        #expect(run([true, true, false, false, true, false, false, true, true]) == ["-", "firing", "-", "-", "-", "-", "-", "-", "-"])
    }

    @Test("after resolving, the key may not fire again within the cooldown; it fires once the cooldown has passed")
    func cooldown() {
        let timing = AlertTiming(fireAfter: 1, resolveAfter: 1, cooldown: .hours(3))
        // Fires at 0h, resolves at 1h; breaches at 2h and 3h are in the cooldown; 4h is 3h after resolving.
        #expect(run([true, false, true, true, true], timing: timing) == ["firing", "resolved", "-", "-", "firing"])
    }

    @Test("a firing alert keeps its start and takes each evaluation's latest value; the resolution carries its end")
    func alertContents() throws {
        var state = AlertState()
        let timing = AlertTiming(fireAfter: 1, resolveAfter: 1)
        let first = state.observe(observation(true, value: 0.3, timing: timing), time: 0, now: 100)
        let fired = try #require(first)
        #expect(fired.startsAt == 100)
        #expect(fired.endsAt == nil)
        let repeated = state.observe(observation(true, value: 0.5, timing: timing), time: 1, now: 200)
        #expect(repeated == nil)
        #expect(state.alert?.value == 0.5)
        #expect(state.alert?.startsAt == 100)
        let transition = state.observe(observation(false, value: 0.01, timing: timing), time: 2, now: 300)
        let resolved = try #require(transition)
        #expect(resolved.status == .resolved)
        #expect(resolved.startsAt == 100)
        #expect(resolved.endsAt == 300)
        #expect(resolved.summary == "lactate PSI 0.01")
        #expect(state.phase == .resolved)
    }

    @Test("a key that can no longer be judged is retired: a firing alert resolves once, a pending one is dropped")
    func retirement() throws {
        var firing = AlertState()
        let timing = AlertTiming(fireAfter: 1, resolveAfter: 5)
        _ = firing.observe(observation(true, timing: timing), time: 0, now: 100)
        let retired = firing.retire(time: 1, now: 200)
        let resolved = try #require(retired)
        #expect(resolved.status == .resolved)
        #expect(resolved.endsAt == 200)
        #expect(resolved.summary.hasSuffix("(resolved: no longer monitored under the current configuration)"))
        #expect(firing.phase == .resolved)
        let again = firing.retire(time: 2, now: 300)
        #expect(again == nil)

        var pending = AlertState()
        _ = pending.observe(observation(true), time: 0, now: 100)
        #expect(pending.phase == .pending)
        let dropped = pending.retire(time: 1, now: 200)
        #expect(dropped == nil)
        #expect(pending.phase == .resolved)
    }

    @Test("drift and data-quality keys retire when their feature leaves the configuration; drift keys also under ignore_drift")
    func retiredKeys() {
        var model = WindowEvaluatorTests.model()
        model.ignoreDrift = ["age"]
        #expect(AlertConditions.isRetired(AlertKey(model: "m", rule: .drift, feature: "wbc"), model: model))
        #expect(AlertConditions.isRetired(AlertKey(model: "m", rule: .dataQuality, feature: "wbc", check: "missing"), model: model))
        #expect(AlertConditions.isRetired(AlertKey(model: "m", rule: .drift, feature: "age", subgroup: "site=ED-1"), model: model))
        #expect(!AlertConditions.isRetired(AlertKey(model: "m", rule: .dataQuality, feature: "age", check: "missing"), model: model))
        #expect(!AlertConditions.isRetired(AlertKey(model: "m", rule: .drift, feature: "lactate"), model: model))
        #expect(!AlertConditions.isRetired(AlertKey(model: "m", rule: .performance, subgroup: "site=ED-1"), model: model))
    }
}
