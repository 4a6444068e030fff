import Foundation

/// Vigil's numbers in Prometheus' text exposition format (version 0.0.4), written for
/// node_exporter's textfile collector: each write replaces the whole file atomically, so a scrape
/// sees the old file or the new one, never half of one.
///
/// Families come in a fixed order, each with its HELP and TYPE once; a family without samples is
/// left out, and so is a sample whose value is nil.
public struct MetricsTextfile: Sendable {
    /// The file node_exporter reads; it must end in `.prom` for the textfile collector.
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Renders and writes `models`: to `<path>.tmp.<pid>`, fsynced, then renamed over `path`,
    /// readable by node_exporter's user whatever vigild's umask.
    ///
    /// - Throws: `MetricsTextfileError` naming the step and the errno; the temporary file is removed.
    public func write(_ models: [ModelMetrics]) throws(MetricsTextfileError) {
        try AtomicFile.write(Array(Self.render(models).utf8), to: path, mode: 0o644, describedAs: "metrics textfile")
    }

    // MARK: Rendering

    /// The exposition text for `models`, in their order.
    public static func render(_ models: [ModelMetrics]) -> String {
        var text = ""
        for family in modelFamilies {
            let samples = models.compactMap { model in
                family.value(model).map { (labels(model), $0) }
            }
            append(family.name, family.type, family.help, samples, to: &text)
        }
        // The life cycle's families carry the model alone: the `version` label is the evaluated predictions'.
        let model = { (model: ModelMetrics) in "model=\"\(escapeLabelValue(model.model))\"" }
        append("vigil_model_serving_version", "gauge", "The model version serving.json names (the registry's production version).",
               models.compactMap { metrics in metrics.servingVersion.map { (model(metrics), String($0)) } }, to: &text)
        append("vigil_model_paused", "gauge", "1 while a clinical owner has paused the model (serving.json status paused), else 0.",
               models.map { (model($0), $0.paused ? "1" : "0") }, to: &text)
        append("vigil_lifecycle_events_total", "counter", "Model life-cycle events (registered, retrain_started, promoted, rolled_back, ...) by kind.",
               models.flatMap { metrics in
                   metrics.lifecycleEvents.sorted { $0.key < $1.key }.map { kind, count in
                       ("\(model(metrics)),kind=\"\(escapeLabelValue(kind))\"", String(count))
                   }
               }, to: &text)
        for family in featureFamilies {
            let samples = models.flatMap { model in
                model.features.compactMap { feature in
                    family.value(feature).map { (labels(model, feature), format($0)) }
                }
            }
            append(family.name, "gauge", family.help, samples, to: &text)
        }
        return text
    }

    private static let modelFamilies: [(name: String, type: String, help: String, value: @Sendable (ModelMetrics) -> String?)] = [
        ("vigil_predictions_ingested_total", "counter", "Predictions read from the model's prediction log and stored.",
         { String($0.predictionsIngested) }),
        ("vigil_quarantined_total", "counter", "Log lines set aside as unusable (bad JSON, missing fields, values out of range).",
         { String($0.quarantined) }),
        ("vigil_pending_outcomes", "gauge", "Predictions waiting for their outcome to arrive.",
         { String($0.pendingOutcomes) }),
        ("vigil_alerts_firing", "gauge", "Alerts firing for the model.",
         { String($0.alertsFiring) }),
        ("vigil_last_evaluation_timestamp_seconds", "gauge", "When the model's last window was evaluated, in Unix seconds.",
         { $0.lastEvaluation.map(format) }),
        ("vigil_model_auroc", "gauge", "AUROC on the last window's predictions with outcomes.",
         { $0.auroc.map(format) }),
        ("vigil_model_auroc_estimated", "gauge", "AUROC estimated from the scores alone, before outcomes are known.",
         { $0.estimatedAUROC.map(format) }),
        ("vigil_model_ece", "gauge", "Expected calibration error on the last window's predictions with outcomes.",
         { $0.ece.map(format) }),
    ]

    private static let featureFamilies: [(name: String, help: String, value: @Sendable (FeatureMetrics) -> Double?)] = [
        ("vigil_feature_psi", "Population stability index of the feature in the last window against its reference.",
         { $0.psi }),
        ("vigil_feature_ks_statistic", "Two-sample Kolmogorov-Smirnov statistic of the feature in the last window against its reference (numeric features).",
         { $0.ksStatistic }),
    ]

    private static func append(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)], to text: inout String) {
        guard !samples.isEmpty else { return }
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (labels, value) in samples {
            text += "\(name){\(labels)} \(value)\n"
        }
    }

    private static func labels(_ model: ModelMetrics, _ feature: FeatureMetrics? = nil) -> String {
        var pairs = [("model", model.model)]
        if let version = model.version, !version.isEmpty { pairs.append(("version", version)) }
        if let feature {
            pairs.append(("feature", feature.feature))
            if let subgroup = feature.subgroup { pairs.append(("subgroup", subgroup)) }
        }
        return pairs.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",")
    }

    /// A label value as the exposition format quotes it: backslash, double quote and newline escaped.
    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A sample value as Prometheus spells it: `NaN`, `+Inf`, `-Inf`, or Swift's shortest
    /// round-tripping decimal (`0.31`, `1e-09`), which Go's `ParseFloat` reads back exactly.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return "\(value)"
    }
}
