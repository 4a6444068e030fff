/// Performance expected from the scores alone, while outcomes are pending: confidence-based
/// performance estimation (CBPE, as NannyML computes it). Each prediction counts as positive
/// with probability equal to its score, which holds when the scores are calibrated and
/// P(outcome | inputs) has not changed since calibration.
public struct LabelFreeEstimate: Sendable, Equatable, Codable {
    public var count: Int
    public var threshold: Double
    /// The expected confusion matrix at `threshold` (fractional counts).
    public var truePositives: Double
    public var falsePositives: Double
    public var trueNegatives: Double
    public var falseNegatives: Double
    public var auroc: Computed<Double>
    public var sensitivity: Computed<Double>
    public var specificity: Computed<Double>
    public var positivePredictiveValue: Computed<Double>

    private enum CodingKeys: String, CodingKey {
        case count = "n", threshold, truePositives = "tp", falsePositives = "fp", trueNegatives = "tn", falseNegatives = "fn"
        case auroc, sensitivity, specificity, positivePredictiveValue = "ppv"
    }

    /// Estimates from `scores` (probabilities of the event, NaN and out-of-range values ignored).
    public init(scores input: [Double], threshold: Double) {
        let scores = input.filter { $0 >= 0 && $0 <= 1 }
        count = scores.count
        self.threshold = threshold
        var tp = 0.0, fp = 0.0, tn = 0.0, fn = 0.0
        for score in scores {
            if score >= threshold {
                tp += score
                fp += 1 - score
            } else {
                fn += score
                tn += 1 - score
            }
        }
        truePositives = tp
        falsePositives = fp
        trueNegatives = tn
        falseNegatives = fn
        func ratio(_ numerator: Double, _ denominator: Double, _ reason: String) -> Computed<Double> {
            denominator > 0 ? .value(numerator / denominator) : .undefined(reason: reason)
        }
        sensitivity = ratio(tp, tp + fn, "no expected positives")
        specificity = ratio(tn, tn + fp, "no expected negatives")
        positivePredictiveValue = ratio(tp, tp + fp, "no prediction at or above the threshold")
        // The radix sort may order -0.0 and 0.0 differently from `sorted()`; the sums below
        // are the same either way.
        auroc = Self.expectedAUROC(sortedAscending: RadixSort.sorted(scores))
    }

    /// The area under the expected ROC curve: at each distinct score t, the expected TPR is
    /// Σ_{s ≥ t} s / Σ s and the expected FPR Σ_{s ≥ t} (1 − s) / Σ (1 − s); the area is the
    /// trapezoidal sum from (0, 0) to (1, 1).
    static func expectedAUROC(sortedAscending scores: [Double]) -> Computed<Double> {
        let positives = scores.reduce(0, +)
        let negatives = Double(scores.count) - positives
        guard positives > 0, negatives > 0 else {
            return .undefined(reason: scores.isEmpty ? "no predictions" : "every score is 0 or every score is 1")
        }
        var area = 0.0
        var tpr = 0.0, fpr = 0.0
        var index = scores.count - 1
        // Walk thresholds from the highest score down; tied scores move the curve in one step.
        while index >= 0 {
            let value = scores[index]
            var stepPositive = 0.0, stepNegative = 0.0
            while index >= 0, scores[index] == value {
                stepPositive += scores[index]
                stepNegative += 1 - scores[index]
                index -= 1
            }
            let nextTPR = tpr + stepPositive / positives
            let nextFPR = fpr + stepNegative / negatives
            area += (nextFPR - fpr) * (tpr + nextTPR) / 2
            (tpr, fpr) = (nextTPR, nextFPR)
        }
        return .value(area)
    }
}
