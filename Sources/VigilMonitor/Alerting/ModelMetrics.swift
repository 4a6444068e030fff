/// One model's numbers for the Prometheus textfile (`MetricsTextfile`): what was ingested, what
/// waits, what fires, and the last evaluation's performance and per-feature drift.
public struct ModelMetrics: Sendable, Equatable {
    public var model: String
    /// The `version` label where a version is known (an empty one is never written).
    public var version: String?
    /// `vigil_predictions_ingested_total` (counter).
    public var predictionsIngested: Int64
    /// `vigil_quarantined_total` (counter): lines set aside as unusable.
    public var quarantined: Int64
    /// `vigil_pending_outcomes` (gauge): predictions waiting for their outcome.
    public var pendingOutcomes: Int64
    /// `vigil_alerts_firing` (gauge).
    public var alertsFiring: Int
    /// `vigil_last_evaluation_timestamp_seconds` (gauge, Unix seconds).
    public var lastEvaluation: Double?
    /// `vigil_model_auroc`: AUROC on the last window's labeled predictions.
    public var auroc: Double?
    /// `vigil_model_auroc_estimated`: AUROC estimated from the scores alone.
    public var estimatedAUROC: Double?
    /// `vigil_model_ece`: expected calibration error on the last window.
    public var ece: Double?
    public var features: [FeatureMetrics]
    /// `vigil_model_serving_version`: the version serving.json names (the registry's production version).
    public var servingVersion: Int?
    /// `vigil_model_paused`: 1 while a clinical owner has the model paused.
    public var paused = false
    /// `vigil_lifecycle_events_total{kind}` (counter): life-cycle events by kind (`promoted`, `rolled_back`, …).
    public var lifecycleEvents: [String: Int64] = [:]

    public init(
        model: String, version: String? = nil, predictionsIngested: Int64 = 0, quarantined: Int64 = 0,
        pendingOutcomes: Int64 = 0, alertsFiring: Int = 0, lastEvaluation: Double? = nil, auroc: Double? = nil,
        estimatedAUROC: Double? = nil, ece: Double? = nil, features: [FeatureMetrics] = []
    ) {
        self.model = model
        self.version = version
        self.predictionsIngested = predictionsIngested
        self.quarantined = quarantined
        self.pendingOutcomes = pendingOutcomes
        self.alertsFiring = alertsFiring
        self.lastEvaluation = lastEvaluation
        self.auroc = auroc
        self.estimatedAUROC = estimatedAUROC
        self.ece = ece
        self.features = features
    }
}

/// One feature's drift in the last window, overall or within one subgroup.
public struct FeatureMetrics: Sendable, Equatable {
    public var feature: String
    /// The subgroup as `name=value` (`site=ED-1`), written as the `subgroup` label; nil for the whole population.
    public var subgroup: String?
    /// `vigil_feature_psi`: population stability index against the reference.
    public var psi: Double?
    /// `vigil_feature_ks_statistic`: two-sample Kolmogorov–Smirnov statistic (numeric features only).
    public var ksStatistic: Double?

    public init(feature: String, subgroup: String? = nil, psi: Double? = nil, ksStatistic: Double? = nil) {
        self.feature = feature
        self.subgroup = subgroup
        self.psi = psi
        self.ksStatistic = ksStatistic
    }
}
