/// The performance of a binary classifier on scored, labeled data. Encodes to the JSON of
/// `vigil metrics --json`; undefined statistics encode as `null` and keep their reason in
/// the Swift value (see ``Computed``).
public struct MetricsReport: Sendable, Equatable, Codable {
    public var count: Int
    public var positives: Int
    public var auroc: Computed<Double>
    public var aurocInterval: Computed<ConfidenceInterval>
    public var averagePrecision: Computed<Double>
    public var brierScore: Computed<Double>
    public var logLoss: Computed<Double>
    public var expectedCalibrationError: Computed<Double>
    public var calibrationIntercept: Computed<Double>
    public var calibrationSlope: Computed<Double>
    public var threshold: Double
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int
    public var sensitivity: Computed<Double>
    public var sensitivityInterval: Computed<ConfidenceInterval>
    public var specificity: Computed<Double>
    public var specificityInterval: Computed<ConfidenceInterval>
    public var positivePredictiveValue: Computed<Double>
    public var negativePredictiveValue: Computed<Double>

    private enum CodingKeys: String, CodingKey {
        case count = "n", positives, auroc, aurocInterval = "auroc_ci", averagePrecision = "average_precision"
        case brierScore = "brier", logLoss = "log_loss", expectedCalibrationError = "ece"
        case calibrationIntercept = "calibration_intercept", calibrationSlope = "calibration_slope"
        case threshold, truePositives = "tp", falsePositives = "fp", trueNegatives = "tn", falseNegatives = "fn"
        case sensitivity, sensitivityInterval = "sensitivity_ci", specificity, specificityInterval = "specificity_ci"
        case positivePredictiveValue = "ppv", negativePredictiveValue = "npv"
    }

    /// Groups of metrics that can be left out when they are not needed (the confusion matrix
    /// and the ratios from it are always computed: they cost one pass).
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The AUROC and its DeLong interval.
        public static let discrimination = Parts(rawValue: 1 << 0)
        public static let averagePrecision = Parts(rawValue: 1 << 1)
        public static let brierScore = Parts(rawValue: 1 << 2)
        public static let logLoss = Parts(rawValue: 1 << 3)
        public static let expectedCalibrationError = Parts(rawValue: 1 << 4)
        /// The logistic recalibration's intercept and slope.
        public static let recalibration = Parts(rawValue: 1 << 5)
        public static let all: Parts = [.discrimination, .averagePrecision, .brierScore, .logLoss, .expectedCalibrationError, .recalibration]
    }

    /// Computes every metric.
    ///
    /// - Parameters:
    ///   - labels: Observed outcomes, `true` for the event.
    ///   - scores: Predicted probabilities of the event, one per label, in [0, 1].
    ///   - threshold: Scores at or above it are positive predictions.
    /// - Throws: ``MetricsInputError`` when the counts differ or a score is not a probability.
    public init(labels: [Bool], scores: [Double], threshold: Double = 0.5) throws(MetricsInputError) {
        try self.init(labels: labels, scores: scores, threshold: threshold, parts: .all)
    }

    /// Computes the metrics of `parts` and the confusion matrix; the others are undefined
    /// ("not computed"). For callers that report a few metrics of many samples (a window's
    /// subgroup values), where the others' cost adds up.
    ///
    /// - Throws: ``MetricsInputError`` when the counts differ or a score is not a probability.
    public init(labels: [Bool], scores: [Double], threshold: Double, parts: Parts) throws(MetricsInputError) {
        guard labels.count == scores.count else {
            throw .countMismatch(labels: labels.count, scores: scores.count)
        }
        if let index = scores.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw .scoreOutOfRange(index: index, score: scores[index])
        }
        count = labels.count
        positives = labels.count { $0 }
        let notComputed = "not computed"
        // The AUROC and its interval share one set of DeLong components.
        if !parts.contains(.discrimination) {
            auroc = .undefined(reason: notComputed)
            aurocInterval = .undefined(reason: notComputed)
        } else if let components = DeLongComponents(labels: labels, scores: scores) {
            auroc = .value(components.auroc)
            aurocInterval = .value(ROC.deLongInterval(components))
        } else {
            auroc = .undefined(reason: ROC.undefinedReason(labels))
            aurocInterval = .undefined(reason: ROC.undefinedReason(labels))
        }
        averagePrecision = parts.contains(.averagePrecision)
            ? ROC.averagePrecision(labels: labels, scores: scores) : .undefined(reason: notComputed)
        brierScore = parts.contains(.brierScore)
            ? ScoringRules.brierScore(labels: labels, scores: scores) : .undefined(reason: notComputed)
        logLoss = parts.contains(.logLoss)
            ? ScoringRules.logLoss(labels: labels, scores: scores) : .undefined(reason: notComputed)
        expectedCalibrationError = parts.contains(.expectedCalibrationError)
            ? Calibration.expectedCalibrationError(labels: labels, scores: scores) : .undefined(reason: notComputed)
        let fit = parts.contains(.recalibration)
            ? Calibration.logisticRecalibration(labels: labels, scores: scores) : .undefined(reason: notComputed)
        calibrationIntercept = fit.map(\.intercept)
        calibrationSlope = fit.map(\.slope)
        let matrix = ConfusionMatrix(labels: labels, scores: scores, threshold: threshold)
        self.threshold = threshold
        truePositives = matrix.truePositives
        falsePositives = matrix.falsePositives
        trueNegatives = matrix.trueNegatives
        falseNegatives = matrix.falseNegatives
        sensitivity = matrix.sensitivity.estimate
        sensitivityInterval = matrix.sensitivity.interval
        specificity = matrix.specificity.estimate
        specificityInterval = matrix.specificity.interval
        positivePredictiveValue = matrix.positivePredictiveValue.estimate
        negativePredictiveValue = matrix.negativePredictiveValue.estimate
    }
}

/// Why scored data cannot be evaluated.
public enum MetricsInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The numbers of labels and scores differ.
    case countMismatch(labels: Int, scores: Int)
    /// The score at `index` (0-based) is NaN or outside [0, 1].
    case scoreOutOfRange(index: Int, score: Double)

    public var description: String {
        switch self {
        case .countMismatch(let labels, let scores):
            "\(labels) labels but \(scores) scores"
        case .scoreOutOfRange(let index, let score):
            "score \(score) at row \(index + 1) is not a probability in [0, 1]"
        }
    }
}
