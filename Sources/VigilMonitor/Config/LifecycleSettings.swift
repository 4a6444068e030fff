/// A model's life-cycle settings: when it is retrained, how a candidate is judged, how it is
/// promoted, and how long a new version is on probation. Every key is optional; the defaults
/// are the clinical ones from the lifecycle issue.
public struct LifecycleSettings: Sendable, Equatable {
    public var retrain = RetrainSettings()
    public var gates = GateSettings()
    /// Outcomes a staged candidate's shadow scores need before it is compared (`staging.shadow_outcomes`).
    public var shadowOutcomes = 500
    public var promotion = PromotionMode.manual
    /// Outcomes of a new version's own predictions before probation ends (`probation.outcomes`).
    public var probationOutcomes = 500
    /// How far the new version's realized AUROC may fall below the previous version's held-out
    /// AUROC before it is rolled back (`probation.margin`).
    public var probationMargin = 0.02
    /// A model file registered as the first production version when the registry has none.
    public var initialModel: String?
    /// A patient id (an attribute or feature): all of a patient's rows fall in the same fold when retraining.
    public var group: String?

    public init() {}
}

/// Whether a candidate that passes its shadow comparison is promoted at once or waits for a clinical owner.
public enum PromotionMode: String, Sendable, Equatable, CaseIterable {
    case manual
    case auto
}

/// How the retraining child is run.
public enum RetrainIsolation: String, Sendable, Equatable, CaseIterable {
    /// A child process of vigild, in its own process group.
    case process
    /// A transient systemd unit (`systemd-run`) with `MemoryMax=` and `CPUQuota=`, when a service manager runs.
    case systemdRun = "systemd-run"
}

/// The `retrain:` section.
public struct RetrainSettings: Sendable, Equatable {
    /// The alert rules whose firing starts a retraining.
    public var on: [AlertRule] = [.drift, .performance]
    /// No automatic retraining within this long of the last attempt.
    public var minInterval = TimeSpan.days(7)
    /// No retraining with fewer labeled examples in the training window.
    public var minExamples = 1_000
    /// Labeled examples with a prediction time within this long of the newest one are used for
    /// training, and predictions older than that are deleted from the state database.
    public var trainingWindow = TimeSpan.days(180)
    /// A labeled file (CSV or JSON Lines, the model's features and a `label` column) added to the recent examples.
    public var baseData: String?
    /// The AutoML search's wall-clock budget; the child is killed at 1.5 times it.
    public var budget = TimeSpan.minutes(5)
    public var isolation = RetrainIsolation.process
    /// `MemoryMax=` for `isolation: systemd-run` (e.g. `4G`).
    public var memoryMax = "4G"
    /// `CPUQuota=` for `isolation: systemd-run` (e.g. `150%`).
    public var cpuQuota = "150%"
    /// The program that trains (`vigil`, given `train …` arguments); nil: the `vigil` beside vigild.
    public var command: String?

    public init() {}
}

/// The `gates:` section: what a candidate must show on the held-out rows (and again in shadow).
public struct GateSettings: Sendable, Equatable {
    /// Candidate AUROC must be at least production's minus this.
    public var margin = 0.0
    /// In each subgroup with enough outcomes, the candidate may be at most this much worse.
    public var subgroupMargin = 0.02
    /// Subgroups with fewer outcomes are not gated (and say so).
    public var minSubgroupOutcomes = 100
    /// The candidate's expected calibration error must be at most this.
    public var maxECE = 0.05
    /// When set, the candidate's sensitivity at its own threshold must be at least this.
    public var minSensitivity: Double?

    public init() {}
}
