import Foundation
import Testing
import VigilStats
import VigilTestSupport
@testable import VigilMonitor

/// Evaluations computed from windows, references and outcomes, checked against the statistics
/// module (whose numbers are checked against scipy and scikit-learn) and against alert rules.
struct WindowEvaluatorTests {
    static let layout = WindowLayout(numeric: ["age", "lactate"], categorical: ["site"], subgroups: ["site"])

    static func model(for: Int = 2) -> ModelConfig {
        var model = ModelConfig(
            name: "sepsis-risk", predictionsPath: "/p", outcomesPath: "/o", labelHorizon: .days(3),
            features: [FeatureSpec(name: "age", type: .numeric), FeatureSpec(name: "lactate", type: .numeric),
                       FeatureSpec(name: "site", type: .categorical)],
            referencePath: nil, subgroups: ["site"], window: .predictions(600))
        model.drift.timing = AlertTiming(fireAfter: `for`, resolveAfter: 2)
        return model
    }

    /// `count` rows: age ~ N(60, 15), lactate ~ N(1.5, 0.5) (+ `shift` at `shiftSite`, or everywhere), three sites.
    static func window(_ count: Int, generator: inout SplitMix64, shift: Double = 0, shiftSite: String? = nil) -> WindowData {
        var data = WindowData(layout: layout)
        let sites = ["ED-1", "ED-2", "ED-3"]
        for index in 0..<count {
            let site = sites[index % 3]
            let lactate = 1.5 + 0.5 * generator.nextNormal() + (shiftSite == nil || shiftSite == site ? shift : 0)
            data.timestamps.append(Double(index))
            data.scores.append(generator.nextUniform())
            data.versions.append("3")
            data.numeric[0].append(60 + 15 * generator.nextNormal())
            data.numeric[1].append(lactate)
            data.categorical[0].append(site)
            data.subgroups[0].append(site)
        }
        return data
    }

    @Test("each feature's statistics are the statistics module's, with BH adjustment across features")
    func featureStatistics() throws {
        var generator = SplitMix64(seed: 1)
        let referenceData = Self.window(3_000, generator: &generator)
        let current = Self.window(600, generator: &generator, shift: 0.4)
        let reference = ModelReference(source: "test", data: referenceData, binCount: 10)
        let evaluation = WindowEvaluator(model: Self.model()).evaluate(
            window: current, seq: 1, start: 0, end: 3_600, quarantined: 6, reference: reference, labeled: LabeledSample(), now: 0)
        let expected = DriftReport(columns: [
            ColumnDrift.numeric(name: "age", reference: referenceData.numeric[0], current: current.numeric[0]),
            ColumnDrift.numeric(name: "lactate", reference: referenceData.numeric[1], current: current.numeric[1]),
            ColumnDrift.categorical(name: "site", reference: referenceData.categorical[0], current: current.categorical[0]),
        ])
        let overall = evaluation.features.filter { $0.subgroup == nil }
        #expect(overall.map(\.name) == ["age", "lactate", "site"])
        for (feature, column) in zip(overall, expected.columns) {
            #expect(feature.psi == column.psi)
            #expect(feature.ksStatistic == column.ksStatistic)
            #expect(feature.ksPValueAdjusted == column.ksPValueAdjusted)
            #expect(feature.chi2PValue == column.chiSquarePValue)
            #expect(feature.drifted == column.isDrifted)
        }
        #expect(overall.map(\.drifted) == [false, true, false])
        #expect(evaluation.driftedShare == expected.driftedShare)
        #expect(evaluation.quarantineRate == 6.0 / 606)
        #expect(evaluation.volume?.perHour == 600)
        #expect(evaluation.version == "3")
        // Each site has its own reference (1,000 rows) and its own evaluation (200 rows).
        #expect(Set(evaluation.features.compactMap(\.subgroup)) == ["site=ED-1", "site=ED-2", "site=ED-3"])
        #expect(evaluation.subgroups.map(\.n) == [200, 200, 200])
    }

    @Test("performance is skipped below min_outcomes, computed at or above it, with the label-free estimate beside it")
    func performance() throws {
        var generator = SplitMix64(seed: 2)
        var labeled = LabeledSample(subgroupNames: ["site"])
        for index in 0..<150 {
            let score = generator.nextUniform()
            labeled.scores.append(score)
            labeled.labels.append(generator.nextUniform() < score)
            labeled.subgroups.append([index < 120 ? "ED-1" : "ED-2"])
        }
        let window = Self.window(600, generator: &generator)
        let evaluation = WindowEvaluator(model: Self.model()).evaluate(
            window: window, seq: 1, start: nil, end: nil, quarantined: 0, reference: nil, labeled: labeled, now: 0)
        let performance = try #require(evaluation.performance)
        let metrics = try MetricsReport(labels: labeled.labels, scores: labeled.scores, threshold: 0.5)
        #expect(performance.n == 150)
        #expect(performance.auroc == metrics.auroc.value)
        #expect(performance.aurocCI == metrics.aurocInterval.value.map { [$0.lower, $0.upper] })
        #expect(performance.ece == metrics.expectedCalibrationError.value)
        #expect(performance.estimatedAUROC == LabelFreeEstimate(scores: window.scores, threshold: 0.5).auroc.value)
        let ed1 = try #require(evaluation.subgroups.first { $0.value == "ED-1" })
        let ed2 = try #require(evaluation.subgroups.first { $0.value == "ED-2" })
        #expect(ed1.outcomes == 120)
        #expect(ed1.auroc != nil)
        #expect(ed2.outcomes == 30)
        #expect(ed2.auroc == nil)
        #expect(ed2.skipped?.contains("30 joined outcomes, fewer than min_outcomes (100)") == true)
        #expect(evaluation.notes.contains { $0.contains("no reference") })
        // Fewer than min_outcomes overall: skipped, and said why.
        var small = labeled
        small.scores.removeLast(60)
        small.labels.removeLast(60)
        small.subgroups.removeLast(60)
        let skipped = WindowEvaluator(model: Self.model()).evaluatePerformance(labeled: small, version: "3", now: 0)
        #expect(skipped.performance?.auroc == nil)
        #expect(skipped.performance?.skipped == "90 joined outcomes, fewer than min_outcomes (100)")
    }

    /// Runs windows through evaluation, alert conditions and state machines as the monitor does;
    /// returns the transitions by window.
    static func alerts(windows: Int, shift: (Int) -> (Double, String?), model: ModelConfig, seed: UInt64) -> [(window: Int, alert: Alert)] {
        var generator = SplitMix64(seed: seed)
        let reference = ModelReference(source: "test", data: window(6_000, generator: &generator), binCount: 10)
        let evaluator = WindowEvaluator(model: model)
        var states: [AlertKey: AlertState] = [:]
        var transitions: [(Int, Alert)] = []
        for index in 0..<windows {
            let (amount, site) = shift(index)
            let data = window(600, generator: &generator, shift: amount, shiftSite: site)
            let evaluation = evaluator.evaluate(
                window: data, seq: Int64(index + 1), start: Double(index), end: Double(index + 1), quarantined: 0,
                reference: reference, labeled: LabeledSample(), now: Double(index))
            for observation in AlertConditions.observations(for: evaluation, model: model, outcomeLag: nil, windowStart: nil, windowEnd: nil) {
                var state = states[observation.key] ?? AlertState()
                if let alert = state.observe(observation, time: Double(index), now: Double(index)) { transitions.append((index, alert)) }
                states[observation.key] = state
            }
        }
        return transitions
    }

    @Test("a shift in one feature fires one alert within `for` windows of its onset, naming that feature, and resolves after it ends")
    func shiftFiresOneAlert() throws {
        let model = Self.model(for: 2)
        let transitions = Self.alerts(windows: 30, shift: { (10..<20).contains($0) ? (0.8, nil) : (0, nil) }, model: model, seed: 3)
        #expect(transitions.map(\.alert.key) == [AlertKey(model: "sepsis-risk", rule: .drift, feature: "lactate"),
                                                 AlertKey(model: "sepsis-risk", rule: .drift, feature: "lactate")])
        #expect(transitions.map(\.alert.status) == [.firing, .resolved])
        #expect(transitions.first?.window == 11)  // onset at window 10, `for: 2`
        #expect(transitions.last?.window == 21)   // shift ends after window 19, `resolve_for: 2`
        #expect(transitions.first?.alert.summary.hasPrefix("sepsis-risk v3: input drift in lactate (PSI") == true)
    }

    @Test("a shift at one site alerts once, for that site")
    func localShift() throws {
        let transitions = Self.alerts(windows: 16, shift: { $0 >= 8 ? (1.5, "ED-2") : (0, nil) }, model: Self.model(for: 2), seed: 4)
        #expect(transitions.map(\.alert.key) == [AlertKey(model: "sepsis-risk", rule: .drift, feature: "lactate", subgroup: "site=ED-2")])
        #expect(transitions.first?.window == 9)
        #expect(transitions.first?.alert.summary.hasSuffix("at site ED-2") == true)
    }

    @Test("without a shift, 200 windows raise no alert; a feature in ignore_drift never alerts")
    func noShiftNoAlert() {
        #expect(Self.alerts(windows: 200, shift: { _ in (0, nil) }, model: Self.model(for: 2), seed: 5).isEmpty)
        var model = Self.model(for: 1)
        model.ignoreDrift = ["lactate"]
        #expect(Self.alerts(windows: 5, shift: { _ in (2, nil) }, model: model, seed: 6).isEmpty)
    }

    @Test("performance alerts on a floor, or on a drop from validation whose CI upper bound is also below it")
    func performanceRule() {
        var model = Self.model()
        model.performance.validationAUROC = 0.85
        func observation(auroc: Double, upper: Double) -> AlertObservation? {
            var performance = PerformanceEvaluation(n: 2_000, positives: 200, threshold: 0.5)
            performance.auroc = auroc
            performance.aurocCI = [auroc - 0.03, upper]
            let evaluation = Evaluation(
                kind: .performance, model: model.name, version: "3", windowSeq: nil, windowStart: nil, windowEnd: nil,
                evaluatedAt: "", n: 2_000, reference: nil, driftedShare: nil, features: [], score: nil, volume: nil,
                quarantined: nil, quarantineRate: nil, unknownFeatures: nil, performance: performance, subgroups: [], notes: [])
            return AlertConditions.observations(for: evaluation, model: model, outcomeLag: nil, windowStart: nil, windowEnd: nil)
                .first { $0.key.rule == .performance }
        }
        #expect(observation(auroc: 0.65, upper: 0.68)?.breaching == true)   // below the 0.7 floor
        #expect(observation(auroc: 0.78, upper: 0.81)?.breaching == true)   // 0.07 below validation, CI below it
        #expect(observation(auroc: 0.78, upper: 0.86)?.breaching == false)  // the CI still reaches validation
        #expect(observation(auroc: 0.82, upper: 0.84)?.breaching == false)  // a drop within max_drop
        #expect(observation(auroc: 0.65, upper: 0.68)?.severity == .critical)
    }
}
