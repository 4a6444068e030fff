/// Discrimination of a binary classifier's scores: AUROC with a DeLong interval, and
/// average precision.
public enum ROC {
    /// The two-sided 97.5% standard normal quantile, `scipy.stats.norm.ppf(0.975)`, used for all
    /// 95% intervals in Vigil.
    public static let z975 = 1.959963984540054

    /// The area under the ROC curve, as `sklearn.metrics.roc_auc_score`: the Mann-Whitney
    /// probability that a random positive outscores a random negative, ties counting one half
    /// (equivalently the trapezoidal area under the ROC curve with tied scores as one step).
    ///
    /// - Returns: Undefined when either class is absent.
    /// - Complexity: O(n log n).
    public static func auroc(labels: [Bool], scores: [Double]) -> Computed<Double> {
        guard let components = DeLongComponents(labels: labels, scores: scores) else {
            return .undefined(reason: undefinedReason(labels))
        }
        return .value(components.auroc)
    }

    /// A 95% confidence interval for the AUROC by DeLong, DeLong & Clarke-Pearson (1988):
    /// `AUROC ± z · sqrt(S10/m + S01/n)`, where `S10` and `S01` are the sample variances
    /// (ddof = 1) of the positive and negative structural components (midrank placements, ties
    /// counting one half). A class with a single member contributes zero variance. The interval
    /// is clipped to [0, 1].
    public static func deLongInterval(labels: [Bool], scores: [Double]) -> Computed<ConfidenceInterval> {
        guard let components = DeLongComponents(labels: labels, scores: scores) else {
            return .undefined(reason: undefinedReason(labels))
        }
        return .value(deLongInterval(components))
    }

    /// The interval of ``deLongInterval(labels:scores:)`` from components already computed.
    static func deLongInterval(_ components: DeLongComponents) -> ConfidenceInterval {
        let halfWidth = z975 * components.variance.squareRoot()
        return ConfidenceInterval(
            lower: max(0, components.auroc - halfWidth),
            upper: min(1, components.auroc + halfWidth))
    }

    /// Average precision, as `sklearn.metrics.average_precision_score`:
    /// `Σ (R_k - R_{k-1}) P_k` over distinct score thresholds in decreasing order, with tied
    /// scores forming one threshold (no interpolation).
    ///
    /// - Returns: Undefined without positives (recall has no denominator).
    /// - Complexity: O(n log n).
    public static func averagePrecision(labels: [Bool], scores: [Double]) -> Computed<Double> {
        precondition(labels.count == scores.count, "one score per label")
        let positives = labels.count { $0 }
        guard positives > 0 else {
            return .undefined(reason: labels.isEmpty ? "no observations" : "no positive outcomes")
        }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var falsePositives = 0
        var previousRecall = 0.0
        var sum = 0.0
        var index = 0
        while index < order.count {
            let threshold = scores[order[index]]
            while index < order.count && scores[order[index]] == threshold {
                if labels[order[index]] { truePositives += 1 } else { falsePositives += 1 }
                index += 1
            }
            let precision = Double(truePositives) / Double(truePositives + falsePositives)
            let recall = Double(truePositives) / Double(positives)
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return .value(sum)
    }

    static func undefinedReason(_ labels: [Bool]) -> String {
        if labels.isEmpty { return "no observations" }
        return labels.allSatisfy { $0 } ? "only positive outcomes" : "only negative outcomes"
    }
}

/// The DeLong structural components of the AUROC, of scores without NaN (``MetricsReport``
/// accepts only probabilities).
struct DeLongComponents {
    var auroc: Double
    var variance: Double

    /// - Returns: `nil` unless both classes are present.
    init?(labels: [Bool], scores: [Double]) {
        precondition(labels.count == scores.count, "one score per label")
        var positives: [Double] = []
        var negatives: [Double] = []
        for (label, score) in zip(labels, scores) {
            if label { positives.append(score) } else { negatives.append(score) }
        }
        guard !positives.isEmpty, !negatives.isEmpty else { return nil }
        // Only the sorted values matter (placements count values below and equal), so the radix
        // sort's order of -0.0 and 0.0 changes nothing.
        positives = RadixSort.sorted(positives)
        negatives = RadixSort.sorted(negatives)
        let m = Double(positives.count)
        let n = Double(negatives.count)
        // V10(x) = P(negative < x) + ½ P(negative == x), for each positive x.
        let v10 = positives.map { x in
            let (below, equal) = Self.placement(of: x, in: negatives)
            return (Double(below) + 0.5 * Double(equal)) / n
        }
        // V01(y) = P(positive > y) + ½ P(positive == y), for each negative y.
        let v01 = negatives.map { y in
            let (below, equal) = Self.placement(of: y, in: positives)
            return (Double(positives.count - below - equal) + 0.5 * Double(equal)) / m
        }
        let mean10 = v10.reduce(0, +) / m
        auroc = mean10
        variance = Self.sampleVariance(v10, mean: mean10) / m
            + Self.sampleVariance(v01, mean: v01.reduce(0, +) / n) / n
    }

    /// How many of `sorted` are below `x`, and how many equal it.
    static func placement(of x: Double, in sorted: [Double]) -> (Int, Int) {
        let below = lowerBound(x, sorted)
        var upper = below
        var high = sorted.count
        // Upper bound: first element > x.
        while upper < high {
            let middle = (upper + high) / 2
            if sorted[middle] <= x { upper = middle + 1 } else { high = middle }
        }
        return (below, upper - below)
    }

    static func lowerBound(_ x: Double, _ sorted: [Double]) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < x { low = middle + 1 } else { high = middle }
        }
        return low
    }

    static func sampleVariance(_ values: [Double], mean: Double) -> Double {
        guard values.count > 1 else { return 0 }
        let sum = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return sum / Double(values.count - 1)
    }
}
