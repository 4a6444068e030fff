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

    /// Computes every metric.
    ///
    /// - Parameters:
    ///   - labels: Observed outcomes, `true` for the event.
    ///   - scores: Predicted probabilities of the event, one per label, in [0, 1].
    ///   - threshold: Scores at or above it are positive predictions.
    /// - Throws: ``MetricsInputError`` when the counts differ or a score is not a probability.
    public init(labels: [Bool], scores: [Double], threshold: Double = 0.5) throws(MetricsInputError) {
        guard labels.count == scores.count else {
            throw .countMismatch(labels: labels.count, scores: scores.count)
        }
        if let index = scores.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw .scoreOutOfRange(index: index, score: scores[index])
        }
        count = labels.count
        positives = labels.count { $0 }
        // The AUROC and its interval share one set of DeLong components.
        if let components = DeLongComponents(labels: labels, scores: scores) {
            auroc = .value(components.auroc)
            aurocInterval = .value(ROC.deLongInterval(components))
        } else {
            auroc = .undefined(reason: ROC.undefinedReason(labels))
            aurocInterval = .undefined(reason: ROC.undefinedReason(labels))
        }
        averagePrecision = ROC.averagePrecision(labels: labels, scores: scores)
        brierScore = ScoringRules.brierScore(labels: labels, scores: scores)
        logLoss = ScoringRules.logLoss(labels: labels, scores: scores)
        expectedCalibrationError = Calibration.expectedCalibrationError(labels: labels, scores: scores)
        let fit = Calibration.logisticRecalibration(labels: labels, scores: scores)
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
