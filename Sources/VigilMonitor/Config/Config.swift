/// Vigil's whole configuration, as read from one YAML file and checked in one place
/// (`ConfigLoader`). Later features add their settings here, never a second config.
public struct Config: Sendable, Equatable {
    /// Where Vigil keeps its database, checkpoints and models.
    public var stateDirectory: String
    /// The Unix socket `vigil` talks to the daemon through.
    public var controlSocket: String
    /// A Prometheus textfile-collector file the daemon rewrites with its metrics.
    public var metricsFile: String?
    /// Where alerts are posted, when set.
    public var alertmanager: AlertmanagerConfig?
    /// A program run with each alert, when set.
    public var alertCommand: String?
    /// The group allowed to connect to the control socket.
    public var controlGroup: String
    /// The group allowed to do everything (reload, retrain, rollback).
    public var adminGroup: String
    /// The group of clinical owners, allowed to pause, resume and approve.
    public var clinicalGroup: String
    /// The models to watch, in the order configured.
    public var models: [ModelConfig]

    /// The model named `name`, if configured.
    public func model(named name: String) -> ModelConfig? { models.first { $0.name == name } }
}

/// Alertmanager's address.
public struct AlertmanagerConfig: Sendable, Equatable {
    /// Base URL, e.g. `http://127.0.0.1:9093`.
    public var url: String
    /// Where on-call's runbooks are: each alert's `runbook_url` annotation is this with the
    /// rule's name appended (`…#alert-drift`); nil for the README's alert sections.
    public var runbookBase: String?
    /// The bearer token read from `token_file`, sent as `Authorization: Bearer …`; never logged.
    public var token: Secret?

    public init(url: String, runbookBase: String? = nil, token: Secret? = nil) {
        self.url = url
        self.runbookBase = runbookBase
        self.token = token
    }
}

/// The type a model input has, which decides the drift tests run on it.
public enum FeatureType: String, Sendable, Equatable, CaseIterable {
    case numeric
    case categorical
}

/// One input of a model and its type.
public struct FeatureSpec: Sendable, Equatable {
    public var name: String
    public var type: FeatureType
}

/// How predictions are grouped into windows for drift evaluation.
public enum WindowConfig: Sendable, Equatable {
    /// A window closes every `n` predictions.
    case predictions(Int)
    /// Tumbling windows of this length on prediction time; a window also closes after
    /// `closeAfter` of wall time with no later prediction, when set.
    case duration(TimeSpan, closeAfter: TimeSpan?)

    public static let `default` = WindowConfig.predictions(5_000)
}

/// One watched model.
public struct ModelConfig: Sendable, Equatable {
    /// The model's name: lower-case letters, digits, `.`, `_` and `-`, used in paths and journal fields.
    public var name: String
    /// The prediction log (JSON Lines) the serving application appends to.
    public var predictionsPath: String
    /// The outcome log (JSON Lines) the hospital's systems append to.
    public var outcomesPath: String
    /// How long a prediction waits for its outcome before it is counted as unlabeled.
    public var labelHorizon: TimeSpan
    /// The model's inputs and their types, in the order configured.
    public var features: [FeatureSpec]
    /// A file (CSV or JSON Lines) of the inputs the model was trained on, for a model Vigil did not train.
    public var referencePath: String?
    /// Attributes or categorical features to break drift and performance down by.
    public var subgroups: [String]
    /// How predictions are windowed.
    public var window: WindowConfig
    /// When input drift alerts.
    public var drift = DriftRules()
    /// Features whose drift is measured and shown but never alerts (`ignore_drift`).
    public var ignoreDrift: [String] = []
    /// The operating threshold and when performance and calibration alert.
    public var performance = PerformanceRules()
    /// When missing values and unseen categories alert.
    public var dataQuality = DataQualityRules()
    /// When the feed itself alerts.
    public var pipeline = PipelineRules()
    /// Retraining, gates, staging, promotion and probation.
    public var lifecycle = LifecycleSettings()
    /// The production version in the registry, filled in by vigild (never from the file): its
    /// features and training profile stand in for `features:` and `reference:` when those are
    /// not configured, and its validation AUROC for `performance.validation_auroc`.
    public var production: ProductionVersion?

    public static let defaultLabelHorizon = TimeSpan.days(30)

    /// The alert-rule sections, gathered while a model's keys are read.
    struct Rules {
        var drift = DriftRules()
        var ignoreDrift: [String] = []
        var performance = PerformanceRules()
        var dataQuality = DataQualityRules()
        var pipeline = PipelineRules()
    }
}
