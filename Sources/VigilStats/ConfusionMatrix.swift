/// Counts of a binary classifier at a threshold, with the proportions derived from them.
///
/// A score at or above the threshold is a positive prediction.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var threshold: Double
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int

    public init(labels: [Bool], scores: [Double], threshold: Double) {
        precondition(labels.count == scores.count, "one score per label")
        self.threshold = threshold
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (label, score) in zip(labels, scores) {
            switch (score >= threshold, label) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        truePositives = tp
        falsePositives = fp
        trueNegatives = tn
        falseNegatives = fn
    }

    /// TP / (TP + FN).
    public var sensitivity: Proportion { Proportion(tally: truePositives, of: truePositives + falseNegatives, undefinedReason: "no positive outcomes") }
    /// TN / (TN + FP).
    public var specificity: Proportion { Proportion(tally: trueNegatives, of: trueNegatives + falsePositives, undefinedReason: "no negative outcomes") }
    /// TP / (TP + FP).
    public var positivePredictiveValue: Proportion { Proportion(tally: truePositives, of: truePositives + falsePositives, undefinedReason: "no positive predictions") }
    /// TN / (TN + FN).
    public var negativePredictiveValue: Proportion { Proportion(tally: trueNegatives, of: trueNegatives + falseNegatives, undefinedReason: "no negative predictions") }
}

/// A proportion `k / n` with its Wilson score 95% interval.
public struct Proportion: Sendable, Equatable {
    public var tally: Int
    public var total: Int
    /// `k / n`, undefined when `n == 0`.
    public var estimate: Computed<Double>
    /// The Wilson score interval, undefined when `n == 0`.
    public var interval: Computed<ConfidenceInterval>

    public init(tally: Int, of total: Int, undefinedReason: String) {
        self.tally = tally
        self.total = total
        if total == 0 {
            estimate = .undefined(reason: undefinedReason)
            interval = .undefined(reason: undefinedReason)
        } else {
            estimate = .value(Double(tally) / Double(total))
            interval = .value(Self.wilsonInterval(tally: tally, total: total))
        }
    }

    /// The Wilson (1927) score interval at 95%, as statsmodels'
    /// `proportion_confint(k, n, method="wilson")`:
    /// `(p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)`.
    public static func wilsonInterval(tally: Int, total: Int, z: Double = ROC.z975) -> ConfidenceInterval {
        let n = Double(total)
        let p = Double(tally) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        return ConfidenceInterval(lower: center - half, upper: center + half)
    }
}
