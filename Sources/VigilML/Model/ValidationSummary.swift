import VigilStats

/// How well the chosen model did out of sample, overall and per subgroup, from the
/// cross-fitted calibrated predictions of the validation plan.
public struct ValidationSummary: Sendable, Equatable, Codable {
    public var scheme: String
    public var rows: Int
    public var positives: Int
    public var auroc: Double?
    public var aurocLower: Double?
    public var aurocUpper: Double?
    public var averagePrecision: Double?
    public var brier: Double?
    public var logLoss: Double?
    public var expectedCalibrationError: Double?
    public var operatingPoint: OperatingPoint
    public var subgroups: [Subgroup]

    /// One value of a subgroup column.
    public struct Subgroup: Sendable, Equatable, Codable {
        public var column: String
        public var value: String
        public var rows: Int
        public var positives: Int
        public var auroc: Double?
        public var sensitivity: Double?
        public var specificity: Double?
        public var positivePredictiveValue: Double?
        /// Why AUROC is not given (too few rows of a class).
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case column, value, rows, positives, auroc, sensitivity, specificity, positivePredictiveValue = "ppv", note
        }
    }

    enum CodingKeys: String, CodingKey {
        case scheme, rows, positives, auroc, aurocLower = "auroc_lower", aurocUpper = "auroc_upper"
        case averagePrecision = "average_precision", brier, logLoss = "log_loss", expectedCalibrationError = "ece"
        case operatingPoint = "operating_point", subgroups
    }

    /// The fewest rows of each class a subgroup needs for its AUROC to be reported.
    public static let minimumRowsPerClassInSubgroup = 10

    init(scheme: String, labels: [Bool], probabilities: [Double], operatingPoint: OperatingPoint,
         subgroups: [(name: String, values: [String])]) {
        self.scheme = scheme
        rows = labels.count
        positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        auroc = ROC.auroc(labels: labels, scores: probabilities).value
        let interval = ROC.deLongInterval(labels: labels, scores: probabilities).value
        aurocLower = interval?.lower
        aurocUpper = interval?.upper
        averagePrecision = ROC.averagePrecision(labels: labels, scores: probabilities).value
        brier = ScoringRules.brierScore(labels: labels, scores: probabilities).value
        logLoss = ScoringRules.logLoss(labels: labels, scores: probabilities).value
        expectedCalibrationError = Calibration.expectedCalibrationError(labels: labels, scores: probabilities).value
        self.operatingPoint = operatingPoint
        var groups: [Subgroup] = []
        for subgroup in subgroups {
            var rowsOfValue: [String: [Int]] = [:]
            for (row, value) in subgroup.values.enumerated() { rowsOfValue[value.isEmpty ? "(missing)" : value, default: []].append(row) }
            for value in rowsOfValue.keys.sorted() {
                let rows = rowsOfValue[value]!
                let groupLabels = rows.map { labels[$0] }
                let groupScores = rows.map { probabilities[$0] }
                let groupPositives = groupLabels.reduce(0) { $0 + ($1 ? 1 : 0) }
                let matrix = ConfusionMatrix(labels: groupLabels, scores: groupScores, threshold: operatingPoint.threshold)
                let enough = min(groupPositives, rows.count - groupPositives) >= Self.minimumRowsPerClassInSubgroup
                groups.append(Subgroup(
                    column: subgroup.name, value: value, rows: rows.count, positives: groupPositives,
                    auroc: enough ? ROC.auroc(labels: groupLabels, scores: groupScores).value : nil,
                    sensitivity: matrix.sensitivity.estimate.value, specificity: matrix.specificity.estimate.value,
                    positivePredictiveValue: matrix.positivePredictiveValue.estimate.value,
                    note: enough ? nil : "AUROC not reported: fewer than \(Self.minimumRowsPerClassInSubgroup) rows of a class"))
            }
        }
        self.subgroups = groups
    }
}
