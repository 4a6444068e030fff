import VigilStats

/// The threshold at which a model's calibrated probability becomes a positive call, with the
/// validation sensitivity, specificity and PPV there (Wilson 95% intervals).
public struct OperatingPoint: Sendable, Equatable, Codable {
    /// "youden" (maximal sensitivity + specificity - 1) or "target_sensitivity".
    public var rule: String
    public var targetSensitivity: Double?
    public var threshold: Double
    public var sensitivity: Estimate
    public var specificity: Estimate
    public var positivePredictiveValue: Estimate

    /// A proportion with its interval; nil when undefined.
    public struct Estimate: Sendable, Equatable, Codable {
        public var value: Double?
        public var lower: Double?
        public var upper: Double?
        public var tally: Int
        public var total: Int

        init(_ proportion: Proportion) {
            value = proportion.estimate.value
            lower = proportion.interval.value?.lower
            upper = proportion.interval.value?.upper
            tally = proportion.tally
            total = proportion.total
        }
    }

    enum CodingKeys: String, CodingKey {
        case rule, targetSensitivity = "target_sensitivity", threshold, sensitivity, specificity
        case positivePredictiveValue = "ppv"
    }

    /// The point at `threshold` on these labels and probabilities.
    init(rule: String, targetSensitivity: Double?, threshold: Double, labels: [Bool], probabilities: [Double]) {
        let matrix = ConfusionMatrix(labels: labels, scores: probabilities, threshold: threshold)
        self.rule = rule
        self.targetSensitivity = targetSensitivity
        self.threshold = threshold
        sensitivity = Estimate(matrix.sensitivity)
        specificity = Estimate(matrix.specificity)
        positivePredictiveValue = Estimate(matrix.positivePredictiveValue)
    }

    /// Chooses the threshold: with a target sensitivity, the highest threshold whose
    /// sensitivity reaches it (so specificity is the largest possible); otherwise the one
    /// maximizing Youden's J. Candidate thresholds are the observed probabilities; a row
    /// whose probability equals the threshold is called positive.
    public static func choose(labels: [Bool], probabilities: [Double], targetSensitivity: Double?) -> OperatingPoint {
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        if let target = targetSensitivity {
            let positiveScores = zip(labels, probabilities).filter(\.0).map(\.1).sorted(by: >)
            let needed = max(1, Int((target * Double(positives)).rounded(.up)))
            let threshold = positiveScores.isEmpty ? 0.5 : positiveScores[min(needed, positiveScores.count) - 1]
            return OperatingPoint(rule: "target_sensitivity", targetSensitivity: target, threshold: threshold, labels: labels, probabilities: probabilities)
        }
        // Scan thresholds from high to low; all rows tied at a value switch together.
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
        var truePositives = 0, falsePositives = 0
        var bestJ = -Double.infinity
        var bestThreshold = 0.5
        var index = 0
        while index < order.count {
            let value = probabilities[order[index]]
            while index < order.count && probabilities[order[index]] == value {
                if labels[order[index]] { truePositives += 1 } else { falsePositives += 1 }
                index += 1
            }
            let j = Double(truePositives) / Double(max(positives, 1)) - Double(falsePositives) / Double(max(negatives, 1))
            if j > bestJ {
                bestJ = j
                bestThreshold = value
            }
        }
        return OperatingPoint(rule: "youden", targetSensitivity: nil, threshold: bestThreshold, labels: labels, probabilities: probabilities)
    }
}
