/// The rule an alert comes from; each is its own Alertmanager `alertname`.
public enum AlertRule: String, Sendable, Codable, CaseIterable {
    /// A feature's input distribution has moved (per feature), or the share of drifted features is high (per model).
    case drift
    /// Discrimination has fallen: AUROC below a floor, or below validation by more than allowed.
    case performance
    /// The scores no longer mean what they say: ECE above its limit.
    case calibration
    /// Inputs look broken rather than shifted: missing values up, unseen categories.
    case dataQuality = "data_quality"
    /// The feed itself: no predictions, outcomes too late, too many bad lines.
    case pipeline
    /// Life cycle: a retraining failed (production untouched).
    case retrainFailed = "retrain_failed"
    /// Life cycle: a candidate passed its shadow comparison and waits for a clinical owner.
    case approvalNeeded = "approval_needed"
    /// Life cycle: production was rolled back to the previous version.
    case rolledBack = "rolled_back"

    /// The rules monitoring evaluates (the others are raised by the life cycle).
    public static let monitoring: [AlertRule] = [.drift, .performance, .calibration, .dataQuality, .pipeline]

    /// The Alertmanager `alertname` label.
    public var alertName: String {
        switch self {
        case .drift: "VigilDrift"
        case .performance: "VigilPerformance"
        case .calibration: "VigilCalibration"
        case .dataQuality: "VigilDataQuality"
        case .pipeline: "VigilPipeline"
        case .retrainFailed: "VigilRetrainFailed"
        case .approvalNeeded: "VigilApprovalNeeded"
        case .rolledBack: "VigilRolledBack"
        }
    }
}

/// How urgent an alert is: performance alerts are critical, the others warnings.
public enum AlertSeverity: String, Sendable, Codable {
    case warning
    case critical
}

/// What an alert is about. Each key has its own state machine, so one shifted feature raises
/// one alert however many windows it stays shifted.
public struct AlertKey: Sendable, Hashable, Codable, Comparable {
    public var model: String
    public var rule: AlertRule
    /// The feature, for per-feature drift and data-quality alerts.
    public var feature: String?
    /// The subgroup as `name=value` (`site=ED-1`), for per-subgroup alerts.
    public var subgroup: String?
    /// Which check of a rule with several (pipeline: `silence`, `outcome_lag`, `quarantine_rate`;
    /// data quality: `missing`, `unseen`; drift: `dataset` for the share of drifted features).
    public var check: String?

    public init(model: String, rule: AlertRule, feature: String? = nil, subgroup: String? = nil, check: String? = nil) {
        self.model = model
        self.rule = rule
        self.feature = feature
        self.subgroup = subgroup
        self.check = check
    }

    public static func < (lhs: AlertKey, rhs: AlertKey) -> Bool {
        (lhs.model, lhs.rule.rawValue, lhs.feature ?? "", lhs.subgroup ?? "", lhs.check ?? "")
            < (rhs.model, rhs.rule.rawValue, rhs.feature ?? "", rhs.subgroup ?? "", rhs.check ?? "")
    }
}

/// An alert as on-call sees it: firing (with when it started) or resolved (with when it ended).
public struct Alert: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case firing
        case resolved
    }

    public var key: AlertKey
    public var status: Status
    public var severity: AlertSeverity
    /// The model version whose predictions were evaluated.
    public var version: String?
    /// The statistic that crossed its threshold (PSI, AUROC, ECE, a share), and the threshold.
    public var value: Double?
    public var threshold: Double?
    /// One line for people: `sepsis-risk v3: input drift in lactate (PSI 0.31, KS p=2e-9) at site ED-1`.
    public var summary: String
    /// What was measured and what to do, a few sentences.
    public var description: String
    /// The window (prediction time, Unix seconds) of the evaluation that last changed the alert.
    public var windowStart: Double?
    public var windowEnd: Double?
    /// When the alert started firing (Unix seconds, wall time).
    public var startsAt: Double
    /// When it resolved (Unix seconds, wall time); nil while firing.
    public var endsAt: Double?

    public init(
        key: AlertKey, status: Status, severity: AlertSeverity, version: String?, value: Double?, threshold: Double?,
        summary: String, description: String, windowStart: Double?, windowEnd: Double?, startsAt: Double, endsAt: Double?
    ) {
        self.key = key
        self.status = status
        self.severity = severity
        self.version = version
        self.value = value
        self.threshold = threshold
        self.summary = summary
        self.description = description
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}
