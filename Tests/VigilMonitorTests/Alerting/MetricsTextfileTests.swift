import Foundation
import Testing
import VigilTestSupport
@testable import VigilMonitor

struct MetricsTextfileTests {
    /// Two models: one evaluated with two features (one per subgroup), one only ingesting.
    static let models = [
        ModelMetrics.withLifecycle(model: "sepsis-risk", version: "3", predictionsIngested: 120_345, quarantined: 12, pendingOutcomes: 4_021,
                     alertsFiring: 1, lastEvaluation: 1_764_410_400, auroc: 0.81, estimatedAUROC: 0.79, ece: 0.043,
                     features: [FeatureMetrics(feature: "lactate", subgroup: "site=ED-1", psi: 0.31, ksStatistic: 0.12),
                                FeatureMetrics(feature: "sex", psi: 0.004)],
                     servingVersion: 3, paused: false, lifecycleEvents: ["registered": 1, "promoted": 2]),
        ModelMetrics.withLifecycle(model: "aki-risk", version: "", predictionsIngested: 10, quarantined: 0, pendingOutcomes: 10, alertsFiring: 0,
                     lastEvaluation: nil, auroc: nil, estimatedAUROC: nil, ece: nil, features: [],
                     servingVersion: nil, paused: true, lifecycleEvents: [:]),
    ]

    @Test("the text has each family once with HELP and TYPE, samples in input order, and nil values left out")
    func render() {
        let expected = """
        # HELP vigil_predictions_ingested_total Predictions read from the model's prediction log and stored.
        # TYPE vigil_predictions_ingested_total counter
        vigil_predictions_ingested_total{model="sepsis-risk",version="3"} 120345
        vigil_predictions_ingested_total{model="aki-risk"} 10
        # HELP vigil_quarantined_total Log lines set aside as unusable (bad JSON, missing fields, values out of range).
        # TYPE vigil_quarantined_total counter
        vigil_quarantined_total{model="sepsis-risk",version="3"} 12
        vigil_quarantined_total{model="aki-risk"} 0
        # HELP vigil_pending_outcomes Predictions waiting for their outcome to arrive.
        # TYPE vigil_pending_outcomes gauge
        vigil_pending_outcomes{model="sepsis-risk",version="3"} 4021
        vigil_pending_outcomes{model="aki-risk"} 10
        # HELP vigil_alerts_firing Alerts firing for the model.
        # TYPE vigil_alerts_firing gauge
        vigil_alerts_firing{model="sepsis-risk",version="3"} 1
        vigil_alerts_firing{model="aki-risk"} 0
        # HELP vigil_last_evaluation_timestamp_seconds When the model's last window was evaluated, in Unix seconds.
        # TYPE vigil_last_evaluation_timestamp_seconds gauge
        vigil_last_evaluation_timestamp_seconds{model="sepsis-risk",version="3"} 1764410400.0
        # HELP vigil_model_auroc AUROC on the last window's predictions with outcomes.
        # TYPE vigil_model_auroc gauge
        vigil_model_auroc{model="sepsis-risk",version="3"} 0.81
        # HELP vigil_model_auroc_estimated AUROC estimated from the scores alone, before outcomes are known.
        # TYPE vigil_model_auroc_estimated gauge
        vigil_model_auroc_estimated{model="sepsis-risk",version="3"} 0.79
        # HELP vigil_model_ece Expected calibration error on the last window's predictions with outcomes.
        # TYPE vigil_model_ece gauge
        vigil_model_ece{model="sepsis-risk",version="3"} 0.043
        # HELP vigil_model_serving_version The model version serving.json names (the registry's production version).
        # TYPE vigil_model_serving_version gauge
        vigil_model_serving_version{model="sepsis-risk"} 3
        # HELP vigil_model_paused 1 while a clinical owner has paused the model (serving.json status paused), else 0.
        # TYPE vigil_model_paused gauge
        vigil_model_paused{model="sepsis-risk"} 0
        vigil_model_paused{model="aki-risk"} 1
        # HELP vigil_lifecycle_events_total Model life-cycle events (registered, retrain_started, promoted, rolled_back, ...) by kind.
        # TYPE vigil_lifecycle_events_total counter
        vigil_lifecycle_events_total{model="sepsis-risk",kind="promoted"} 2
        vigil_lifecycle_events_total{model="sepsis-risk",kind="registered"} 1
        # HELP vigil_feature_psi Population stability index of the feature in the last window against its reference.
        # TYPE vigil_feature_psi gauge
        vigil_feature_psi{model="sepsis-risk",version="3",feature="lactate",subgroup="site=ED-1"} 0.31
        vigil_feature_psi{model="sepsis-risk",version="3",feature="sex"} 0.004
        # HELP vigil_feature_ks_statistic Two-sample Kolmogorov-Smirnov statistic of the feature in the last window against its reference (numeric features).
        # TYPE vigil_feature_ks_statistic gauge
        vigil_feature_ks_statistic{model="sepsis-risk",version="3",feature="lactate",subgroup="site=ED-1"} 0.12

        """
        #expect(MetricsTextfile.render(Self.models) == expected)
        #expect(MetricsTextfile.render([]) == "")
    }

    @Test("label values escape backslash, double quote and newline, and keep other characters")
    func escaping() {
        let model = ModelMetrics(model: #"a\b"c"# + "\nd", features: [FeatureMetrics(feature: "lactate (mmol/L) ✓", subgroup: "unit=\"ICU\\2\"", psi: 1)])
        let text = MetricsTextfile.render([model])
        #expect(text.contains(#"vigil_alerts_firing{model="a\\b\"c\nd"} 0"#))
        #expect(text.contains(#"vigil_feature_psi{model="a\\b\"c\nd",feature="lactate (mmol/L) ✓",subgroup="unit=\"ICU\\2\""} 1.0"#))
        #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("# ") || $0.hasPrefix("vigil_") }, "a raw newline split a sample")
    }

    @Test("NaN and infinities are written as Prometheus spells them", arguments: [
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (1e-9, "1e-09"), (0.0, "0.0"), (-0.5, "-0.5"),
    ])
    func specialValues(value: Double, expected: String) {
        #expect(MetricsTextfile.format(value) == expected)
        let text = MetricsTextfile.render([ModelMetrics(model: "m", ece: value)])
        #expect(text.contains("vigil_model_ece{model=\"m\"} \(expected)\n"))
    }

    @Test("write replaces the file whole, readable by others, and leaves no temporary file")
    func atomicWrite() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("vigil.prom")
        try "old contents\n".write(toFile: path, atomically: false, encoding: .utf8)
        let textfile = MetricsTextfile(path: path)
        try textfile.write(Self.models)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsTextfile.render(Self.models))
        try textfile.write([Self.models[1]])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsTextfile.render([Self.models[1]]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["vigil.prom"])
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o644)
    }

    @Test("a failed write names the file, the step and the cause, and leaves nothing behind")
    func failedWrite() throws {
        let directory = try TemporaryDirectory()
        let missing = MetricsTextfile(path: directory.file("no-such-dir/vigil.prom"))
        #expect {
            try missing.write(Self.models)
        } throws: { error in
            let error = error as? MetricsTextfileError
            return error?.step == .create && error?.errno == ENOENT
                && error?.description == "cannot write metrics textfile \(directory.path)/no-such-dir/vigil.prom: create \(directory.path)/no-such-dir/vigil.prom.tmp.\(getpid()): No such file or directory"
        }

        // A directory in the way: the temporary file is written, the rename fails and it is removed.
        let blocked = directory.file("blocked.prom")
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        #expect {
            try MetricsTextfile(path: blocked).write(Self.models)
        } throws: { error in
            (error as? MetricsTextfileError)?.step == .rename
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["blocked.prom"])
    }

    @Test("promtool check metrics finds nothing to complain about",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is not installed (apt-get install prometheus)"))
    func promtool() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("vigil.prom")
        var models = Self.models
        models.append(ModelMetrics(model: "readmit \"30d\"", version: "2024.1", predictionsIngested: 5, quarantined: 1, pendingOutcomes: 5,
                                   alertsFiring: 2, lastEvaluation: 1_764_410_400.5, auroc: .nan, estimatedAUROC: 0.7, ece: .infinity,
                                   features: [FeatureMetrics(feature: "los\\days", subgroup: "ward=4\nB", psi: 2.5e-5, ksStatistic: 1),
                                              FeatureMetrics(feature: "age", psi: nil, ksStatistic: 0.2)]))
        try MetricsTextfile(path: path).write(models)
        // promtool lints what it reads on stdin: problems go to stderr with exit status 3, a
        // text it cannot parse exits 1.
        let run = try ProgramRun("/usr/bin/promtool", ["check", "metrics"], inputFile: path)
        #expect(run.status == 0, "promtool exited \(run.status): \(run.standardError)")
        #expect(run.standardError.isEmpty)
        #expect(run.standardOutput.isEmpty)
    }

    @Test("promtool's lint fails on a problem, so the test above can fail",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is not installed (apt-get install prometheus)"))
    func promtoolComplains() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bad.prom")
        try "# TYPE vigil_ingested counter\nvigil_ingested{model=\"m\"} 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = try ProgramRun("/usr/bin/promtool", ["check", "metrics"], inputFile: path)
        #expect(run.status != 0)
        #expect(run.standardError.contains("counter metrics should have \"_total\" suffix"))
    }
}

extension ModelMetrics {
    /// Metrics with the life cycle's figures set too.
    static func withLifecycle(
        model: String, version: String?, predictionsIngested: Int64, quarantined: Int64, pendingOutcomes: Int64, alertsFiring: Int,
        lastEvaluation: Double?, auroc: Double?, estimatedAUROC: Double?, ece: Double?, features: [FeatureMetrics],
        servingVersion: Int?, paused: Bool, lifecycleEvents: [String: Int64]
    ) -> ModelMetrics {
        var metrics = ModelMetrics(model: model, version: version, predictionsIngested: predictionsIngested, quarantined: quarantined,
                                   pendingOutcomes: pendingOutcomes, alertsFiring: alertsFiring, lastEvaluation: lastEvaluation,
                                   auroc: auroc, estimatedAUROC: estimatedAUROC, ece: ece, features: features)
        metrics.servingVersion = servingVersion
        metrics.paused = paused
        metrics.lifecycleEvents = lifecycleEvents
        return metrics
    }
}
