import VigilStats

/// One evaluation of a model: of a closed drift window (kind `window`: drift, data quality,
/// volume, label-free estimates and the rolling performance at that time), or of performance
/// alone when late outcomes arrived (kind `performance`). Stored as JSON with the statistics
/// in columns beside it, and shown as it is by `vigil history --json`. Unset values encode as
/// `null`, so every evaluation has the same shape.
public struct Evaluation: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case window
        case performance
    }

    public var kind: Kind
    public var model: String
    /// The model version that made most of the window's predictions.
    public var version: String?
    /// The window: its number and its bounds on prediction time (RFC 3339).
    public var windowSeq: Int64?
    public var windowStart: String?
    public var windowEnd: String?
    public var evaluatedAt: String
    /// Predictions in the window (joined outcomes, for a performance evaluation).
    public var n: Int
    /// Where the reference came from: `reference file PATH`, or `baseline window N`.
    public var reference: String?
    /// The share of features that drifted (features in `ignore_drift` count too).
    public var driftedShare: Double?
    /// Each feature against the reference, over the whole window.
    public var features: [FeatureEvaluation]
    /// The model's output against the reference's scores.
    public var score: ScoreEvaluation?
    public var volume: VolumeEvaluation?
    /// Lines quarantined while the window was open, and their share of its lines.
    public var quarantined: Int?
    public var quarantineRate: Double?
    /// Features seen in predictions that the model's schema does not list, with how often
    /// (since ingestion began).
    public var unknownFeatures: [String: Int64]?
    public var performance: PerformanceEvaluation?
    public var subgroups: [SubgroupEvaluation]
    /// What was not evaluated, and why (a subgroup too small, no reference yet).
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case kind, model, version, windowSeq = "window_seq", windowStart = "window_start", windowEnd = "window_end"
        case evaluatedAt = "evaluated_at", n, reference, driftedShare = "drifted_share", features, score, volume
        case quarantined, quarantineRate = "quarantine_rate", unknownFeatures = "unknown_features", performance, subgroups, notes
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(model, forKey: .model)
        try c.encode(version, forKey: .version)
        try c.encode(windowSeq, forKey: .windowSeq)
        try c.encode(windowStart, forKey: .windowStart)
        try c.encode(windowEnd, forKey: .windowEnd)
        try c.encode(evaluatedAt, forKey: .evaluatedAt)
        try c.encode(n, forKey: .n)
        try c.encode(reference, forKey: .reference)
        try c.encode(driftedShare, forKey: .driftedShare)
        try c.encode(features, forKey: .features)
        try c.encode(score, forKey: .score)
        try c.encode(volume, forKey: .volume)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(quarantineRate, forKey: .quarantineRate)
        try c.encode(unknownFeatures, forKey: .unknownFeatures)
        try c.encode(performance, forKey: .performance)
        try c.encode(subgroups, forKey: .subgroups)
        try c.encode(notes, forKey: .notes)
    }
}

/// One feature's drift and data quality in a window, overall or within one subgroup.
public struct FeatureEvaluation: Sendable, Equatable, Codable {
    public var name: String
    public var type: ColumnKind
    /// `site=ED-1` within a subgroup; nil over the whole window.
    public var subgroup: String?
    /// Values present in the window.
    public var n: Int
    public var psi: Double?
    public var ksStatistic: Double?
    public var ksPValue: Double?
    /// The p-value (KS for numeric, chi-square for categorical features) after
    /// Benjamini-Hochberg adjustment across the model's features.
    public var ksPValueAdjusted: Double?
    public var wasserstein: Double?
    public var jensenShannon: Double?
    public var chi2: Double?
    public var chi2PValue: Double?
    public var missingShare: Double?
    public var referenceMissingShare: Double?
    /// Categorical: the share of values in categories the reference never had.
    public var unseenShare: Double?
    /// Numeric: the share of values outside the reference's range.
    public var outOfRangeShare: Double?
    public var drifted: Bool
    /// Listed in `ignore_drift`: measured, never alerted on.
    public var ignored: Bool

    enum CodingKeys: String, CodingKey {
        case name, type, subgroup, n, psi, ksStatistic = "ks_statistic", ksPValue = "ks_pvalue"
        case ksPValueAdjusted = "ks_pvalue_adjusted", wasserstein, jensenShannon = "jensen_shannon"
        case chi2, chi2PValue = "chi2_pvalue", missingShare = "missing_share", referenceMissingShare = "reference_missing_share"
        case unseenShare = "unseen_share", outOfRangeShare = "out_of_range_share", drifted, ignored
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(subgroup, forKey: .subgroup)
        try c.encode(n, forKey: .n)
        try c.encode(psi, forKey: .psi)
        try c.encode(ksStatistic, forKey: .ksStatistic)
        try c.encode(ksPValue, forKey: .ksPValue)
        try c.encode(ksPValueAdjusted, forKey: .ksPValueAdjusted)
        try c.encode(wasserstein, forKey: .wasserstein)
        try c.encode(jensenShannon, forKey: .jensenShannon)
        try c.encode(chi2, forKey: .chi2)
        try c.encode(chi2PValue, forKey: .chi2PValue)
        try c.encode(missingShare, forKey: .missingShare)
        try c.encode(referenceMissingShare, forKey: .referenceMissingShare)
        try c.encode(unseenShare, forKey: .unseenShare)
        try c.encode(outOfRangeShare, forKey: .outOfRangeShare)
        try c.encode(drifted, forKey: .drifted)
        try c.encode(ignored, forKey: .ignored)
    }
}

/// The drift of the model's output.
public struct ScoreEvaluation: Sendable, Equatable, Codable {
    public var psi: Double?
    public var ksStatistic: Double?
    public var ksPValue: Double?
    public var mean: Double?
    public var referenceMean: Double?

    enum CodingKeys: String, CodingKey {
        case psi, ksStatistic = "ks_statistic", ksPValue = "ks_pvalue", mean, referenceMean = "reference_mean"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(psi, forKey: .psi)
        try c.encode(ksStatistic, forKey: .ksStatistic)
        try c.encode(ksPValue, forKey: .ksPValue)
        try c.encode(mean, forKey: .mean)
        try c.encode(referenceMean, forKey: .referenceMean)
    }
}

/// How many predictions the window held, over how much prediction time.
public struct VolumeEvaluation: Sendable, Equatable, Codable {
    public var predictions: Int
    public var hours: Double?
    public var perHour: Double?

    enum CodingKeys: String, CodingKey {
        case predictions, hours, perHour = "per_hour"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(predictions, forKey: .predictions)
        try c.encode(hours, forKey: .hours)
        try c.encode(perHour, forKey: .perHour)
    }
}

/// Realized performance on the most recent joined outcomes, and the label-free estimate from
/// the window's scores.
public struct PerformanceEvaluation: Sendable, Equatable, Codable {
    /// Joined outcomes the realized figures are computed on.
    public var n: Int
    public var positives: Int
    public var threshold: Double
    public var auroc: Double?
    public var aurocCI: [Double]?
    public var averagePrecision: Double?
    public var brier: Double?
    public var ece: Double?
    public var sensitivity: Double?
    public var specificity: Double?
    public var ppv: Double?
    /// The reason realized figures are missing (too few outcomes, one class only).
    public var skipped: String?
    public var estimatedN: Int?
    public var estimatedAUROC: Double?
    public var estimatedSensitivity: Double?
    public var estimatedSpecificity: Double?
    public var estimatedPPV: Double?

    enum CodingKeys: String, CodingKey {
        case n, positives, threshold, auroc, aurocCI = "auroc_ci", averagePrecision = "average_precision", brier, ece
        case sensitivity, specificity, ppv, skipped, estimatedN = "estimated_n", estimatedAUROC = "estimated_auroc"
        case estimatedSensitivity = "estimated_sensitivity", estimatedSpecificity = "estimated_specificity"
        case estimatedPPV = "estimated_ppv"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(n, forKey: .n)
        try c.encode(positives, forKey: .positives)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(auroc, forKey: .auroc)
        try c.encode(aurocCI, forKey: .aurocCI)
        try c.encode(averagePrecision, forKey: .averagePrecision)
        try c.encode(brier, forKey: .brier)
        try c.encode(ece, forKey: .ece)
        try c.encode(sensitivity, forKey: .sensitivity)
        try c.encode(specificity, forKey: .specificity)
        try c.encode(ppv, forKey: .ppv)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(estimatedN, forKey: .estimatedN)
        try c.encode(estimatedAUROC, forKey: .estimatedAUROC)
        try c.encode(estimatedSensitivity, forKey: .estimatedSensitivity)
        try c.encode(estimatedSpecificity, forKey: .estimatedSpecificity)
        try c.encode(estimatedPPV, forKey: .estimatedPPV)
    }
}

/// One subgroup (`site=ED-1`): its share of the window, its largest feature drift, and its
/// performance on recent joined outcomes.
public struct SubgroupEvaluation: Sendable, Equatable, Codable {
    public var name: String
    public var value: String
    /// Predictions of the subgroup in the window.
    public var n: Int
    /// Joined outcomes of the subgroup that performance was computed on.
    public var outcomes: Int
    public var auroc: Double?
    public var aurocCI: [Double]?
    public var ece: Double?
    public var sensitivity: Double?
    public var driftPSIMax: Double?
    public var driftedFeatures: [String]
    /// Why performance (or drift) was not evaluated for the subgroup.
    public var skipped: String?

    enum CodingKeys: String, CodingKey {
        case name, value, n, outcomes, auroc, aurocCI = "auroc_ci", ece, sensitivity, driftPSIMax = "drift_psi_max"
        case driftedFeatures = "drifted_features", skipped
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(n, forKey: .n)
        try c.encode(outcomes, forKey: .outcomes)
        try c.encode(auroc, forKey: .auroc)
        try c.encode(aurocCI, forKey: .aurocCI)
        try c.encode(ece, forKey: .ece)
        try c.encode(sensitivity, forKey: .sensitivity)
        try c.encode(driftPSIMax, forKey: .driftPSIMax)
        try c.encode(driftedFeatures, forKey: .driftedFeatures)
        try c.encode(skipped, forKey: .skipped)
    }

    /// `name=value`, as alert keys and journal fields write a subgroup.
    public var label: String { "\(name)=\(value)" }
}
