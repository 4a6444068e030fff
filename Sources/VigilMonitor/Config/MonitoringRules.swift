import VigilStats

/// How many consecutive evaluations an alert needs to fire and to resolve, and how long it
/// stays quiet after resolving, so that a borderline statistic does not page every window.
public struct AlertTiming: Sendable, Equatable {
    /// Consecutive breaching evaluations before an alert fires (`for`).
    public var fireAfter: Int
    /// Consecutive clear evaluations before a firing alert resolves (`resolve_for`).
    public var resolveAfter: Int
    /// After resolving, the alert may not fire again until this much prediction time has passed (`cooldown`).
    public var cooldown: TimeSpan

    public init(fireAfter: Int, resolveAfter: Int, cooldown: TimeSpan = TimeSpan(seconds: 0)) {
        self.fireAfter = fireAfter
        self.resolveAfter = resolveAfter
        self.cooldown = cooldown
    }
}

/// The `drift:` section of a model: the decision rule (statistics issue defaults) and its timing.
public struct DriftRules: Sendable, Equatable {
    public var decision = DriftConfiguration()
    public var timing = AlertTiming(fireAfter: 2, resolveAfter: 2)

    public init() {}
}

/// The `performance:` section: the operating threshold, the rolling window of joined outcomes,
/// and when discrimination or calibration alert.
public struct PerformanceRules: Sendable, Equatable {
    /// Scores at or above it are positive predictions (the model's operating threshold).
    public var threshold = 0.5
    /// How many of the most recent joined outcomes the rolling performance is computed on.
    public var window = 2_000
    /// Subgroups (and the model) with fewer joined outcomes are not evaluated, and say so.
    public var minOutcomes = 100
    /// AUROC below this fires a performance alert.
    public var alertBelow = 0.7
    /// With a validation AUROC known, a drop of more than this whose CI upper bound is also
    /// below the validation figure fires a performance alert.
    public var maxDrop = 0.05
    /// The AUROC measured when the model was validated (from the registry once a model is
    /// registered; from config for a model Vigil did not train).
    public var validationAUROC: Double?
    /// ECE above this fires a calibration alert.
    public var maxECE = 0.1
    /// New joined outcomes after which performance is evaluated again between windows.
    public var reevaluateEvery = 200
    public var timing = AlertTiming(fireAfter: 2, resolveAfter: 2)

    public init() {}
}

/// The `data_quality:` section: inputs that look broken rather than shifted.
public struct DataQualityRules: Sendable, Equatable {
    /// A feature's missing share up by more than this (absolute) against the reference alerts.
    public var maxMissingIncrease = 0.1
    /// A categorical feature with more than this share of categories never seen in the reference alerts.
    public var maxUnseenShare = 0.05
    public var timing = AlertTiming(fireAfter: 2, resolveAfter: 2)

    public init() {}
}

/// The `pipeline:` section: the feed itself.
public struct PipelineRules: Sendable, Equatable {
    /// No prediction ingested for this long (wall time) alerts; nil turns the check off.
    public var silenceAfter: TimeSpan? = .hours(1)
    /// The newest joined outcome lagging its prediction by more than this alerts; nil (the
    /// default) means the label horizon.
    public var maxOutcomeLag: TimeSpan?
    /// More than this share of a window's lines quarantined alerts.
    public var maxQuarantineRate = 0.01
    public var timing = AlertTiming(fireAfter: 1, resolveAfter: 1)

    public init() {}
}
