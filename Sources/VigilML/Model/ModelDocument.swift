import VigilStats

/// Everything `vigil train` writes to a model file (`"format": "vigil-model/1"`): what the
/// model needs to score, how it was chosen and how well it did, and where it came from.
public struct ModelDocument: Sendable, Codable {
    public static let currentFormat = "vigil-model/1"

    public var format = ModelDocument.currentFormat
    public var engine: String
    /// The inputs, in the order the pipelines read them.
    public var features: [FeatureSpec]
    /// The model: one pipeline, or a weighted ensemble whose probability is the weighted mean.
    public var members: [Member]
    public var calibration: CalibrationRecord
    public var operatingPoint: OperatingPoint
    public var validation: ValidationSummary
    public var leaderboard: [LeaderboardEntry]
    /// The chosen configuration as refitted on all rows (boosting: the rounds early stopping
    /// chose in validation), or the ensemble.
    public var chosen: String
    public var reference: ReferenceProfile
    public var data: DataSummary
    public var search: SearchRecord
    public var intendedUse: String?

    public struct FeatureSpec: Sendable, Equatable, Codable {
        public var name: String
        public var kind: FeatureKind
    }

    public struct Member: Sendable, Equatable, Codable {
        public var weight: Double
        public var pipeline: FittedPipeline
    }

    public struct CalibrationRecord: Sendable, Equatable, Codable {
        public var method: String
        public var calibrator: Calibrator
        /// Cross-fitted out-of-sample log-loss of each method, and uncalibrated ("none").
        public var logLoss: [String: Double]

        enum CodingKeys: String, CodingKey { case method, calibrator, logLoss = "log_loss" }
    }

    public struct DataSummary: Sendable, Equatable, Codable {
        public var sha256: String
        public var rows: Int
        public var positives: Int
        public var prevalence: Double
        public var roles: ColumnRoles
        /// Share of missing values of each feature.
        public var missingShares: [String: Double]
        /// Columns dropped, and why.
        public var warnings: [String]

        enum CodingKeys: String, CodingKey { case sha256, rows, positives, prevalence, roles, missingShares = "missing_shares", warnings }
    }

    public struct SearchRecord: Sendable, Equatable, Codable {
        public var seed: UInt64
        public var budgetSeconds: Double?
        public var trials: Int?
        public var candidatesEvaluated: Int
        public var metric: String

        enum CodingKeys: String, CodingKey { case seed, budgetSeconds = "budget_seconds", trials, candidatesEvaluated = "candidates_evaluated", metric }
    }

    enum CodingKeys: String, CodingKey {
        case format, engine, features, members, calibration, operatingPoint = "operating_point", validation, leaderboard
        case chosen, reference, data, search, intendedUse = "intended_use"
    }
}

/// One evaluated candidate.
public struct LeaderboardEntry: Sendable, Equatable, Codable {
    public var rank: Int
    public var learner: String
    public var configuration: LearnerConfiguration
    public var hyperparameters: String
    /// Mean and standard deviation of the validation AUROC over folds (sd nil for a holdout).
    public var metricMean: Double?
    public var metricSD: Double?
    /// Wall-clock seconds of the candidate's validation fits; nil in a `--trials` run, so
    /// that the model file depends on nothing but data, seed and trials.
    public var fitSeconds: Double?
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case rank, learner, configuration, hyperparameters, metricMean = "auroc_mean", metricSD = "auroc_sd", fitSeconds = "fit_seconds", note
    }
}
