/// Isotonic calibration: the increasing step-and-ramp map that scikit-learn's
/// `IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)` fits on (score, outcome)
/// pairs, stored as the breakpoints scikit-learn keeps (`X_thresholds_`, `y_thresholds_`).
public struct IsotonicCalibrator: Sendable, Equatable, Codable {
    /// Increasing, distinct scores (scikit-learn's `X_thresholds_`); at least one.
    public let thresholds: [Double]
    /// The calibrated probability at each threshold, non-decreasing (`y_thresholds_`).
    public let values: [Double]

    /// A calibrator from stored breakpoints.
    ///
    /// - Precondition: `thresholds` is non-empty, strictly increasing and as long as `values`.
    public init(thresholds: [Double], values: [Double]) {
        precondition(!thresholds.isEmpty && thresholds.count == values.count, "one value per threshold, at least one")
        precondition(zip(thresholds, thresholds.dropFirst()).allSatisfy { $0 < $1 }, "thresholds must increase strictly")
        self.thresholds = thresholds
        self.values = values
    }

    /// The calibrated probability of `score`: the score is clipped to the fitted range, then
    /// interpolated linearly between the neighbouring thresholds, as `numpy.interp` does
    /// (exactly the stored value on a threshold). NaN stays NaN.
    ///
    /// - Complexity: O(log thresholds).
    public func calibrated(_ score: Double) -> Double {
        guard !score.isNaN else { return .nan }
        guard let first = thresholds.first, let last = thresholds.last, let lastValue = values.last else { return .nan }
        if score <= first { return values[0] }
        if score >= last { return lastValue }
        // The last j with thresholds[j] <= score; first < score < last, so 0 <= j < count - 1.
        var low = 0
        var high = thresholds.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if thresholds[middle] <= score { low = middle } else { high = middle }
        }
        if score == thresholds[low] { return values[low] }
        let slope = (values[low + 1] - values[low]) / (thresholds[low + 1] - thresholds[low])
        return slope * (score - thresholds[low]) + values[low]
    }

    /// Fits the increasing isotonic regression of the outcomes (0/1) on the scores, exactly as
    /// scikit-learn's `IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit` does:
    ///
    /// 1. rows with zero weight are dropped and the rest sorted by score (then outcome);
    /// 2. scores closer than 1e-15 to the first of a run (numpy's `finfo(float64).resolution`,
    ///    sklearn's `_make_unique`) are merged into that first score, with the weighted mean
    ///    outcome;
    /// 3. pool-adjacent-violators (scipy's `isotonic_regression`, Busing 2022) makes the means
    ///    non-decreasing, pooling equal neighbours too; the result is clipped to [0, 1];
    /// 4. only the first and last points and those whose value differs from a neighbour's
    ///    are kept.
    ///
    /// - Throws: ``CalibrationError`` for mismatched lengths, non-finite scores, invalid
    ///   weights, or no score with positive weight.
    /// - Complexity: O(n log n).
    public static func fit(scores: [Double], labels: [Bool], weights: [Double]? = nil) throws(CalibrationError) -> IsotonicCalibrator {
        try CalibrationError.validate(scores: scores, labels: labels, weights: weights)
        let kept = scores.indices.filter { (weights?[$0] ?? 1) > 0 }
        guard !kept.isEmpty else { throw .noScores }
        // Stable, as numpy's lexsort: ties in (score, outcome) keep their input order.
        let order = kept.sorted { i, j in
            if scores[i] != scores[j] { return scores[i] < scores[j] }
            if labels[i] != labels[j] { return !labels[i] }
            return i < j
        }

        // Merge equal scores (sklearn's `_make_unique`).
        let resolution = 1e-15
        var x: [Double] = []
        var y: [Double] = []
        var w: [Double] = []
        var currentX = scores[order[0]]
        var currentY = 0.0
        var currentWeight = 0.0
        for i in order {
            let weight = weights?[i] ?? 1
            let outcome = labels[i] ? 1.0 : 0.0
            if scores[i] - currentX >= resolution {
                x.append(currentX)
                w.append(currentWeight)
                y.append(currentY / currentWeight)
                currentX = scores[i]
                currentWeight = weight
                currentY = outcome * weight
            } else {
                currentWeight += weight
                currentY += outcome * weight
            }
        }
        x.append(currentX)
        w.append(currentWeight)
        y.append(currentY / currentWeight)

        let fitted = poolAdjacentViolators(y, weights: w).map { min(max($0, 0), 1) }

        // Keep the ends and every point that differs from a neighbour.
        var thresholds: [Double] = []
        var values: [Double] = []
        for k in fitted.indices {
            let isEnd = k == 0 || k == fitted.count - 1
            if isEnd || fitted[k] != fitted[k - 1] || fitted[k] != fitted[k + 1] {
                thresholds.append(x[k])
                values.append(fitted[k])
            }
        }
        return IsotonicCalibrator(thresholds: thresholds, values: values)
    }

    /// The weighted least-squares non-decreasing fit to `y`: scipy's `pava` (Busing,
    /// "Monotone regression: a simple and fast O(n) PAVA implementation", JSS 2022), which
    /// pools a block into its predecessor whenever the predecessor's mean is not smaller.
    ///
    /// - Complexity: O(n).
    static func poolAdjacentViolators(_ y: [Double], weights: [Double]) -> [Double] {
        let n = y.count
        guard n > 1 else { return y }
        var means = y
        var blockWeights = weights
        // Block b covers indices ends[b] ..< ends[b + 1].
        var ends = [Int](repeating: 0, count: n + 1)
        ends[1] = 1
        var b = 0
        var previousMean = means[0]
        var previousWeight = blockWeights[0]
        var i = 1
        while i < n {
            b += 1
            var mean = means[i]
            var weight = blockWeights[i]
            if previousMean >= mean {
                b -= 1
                var sum = previousWeight * previousMean + weight * mean
                weight += previousWeight
                mean = sum / weight
                while i < n - 1 && mean >= means[i + 1] {
                    i += 1
                    sum += blockWeights[i] * means[i]
                    weight += blockWeights[i]
                    mean = sum / weight
                }
                while b > 0 && means[b - 1] >= mean {
                    b -= 1
                    sum += blockWeights[b] * means[b]
                    weight += blockWeights[b]
                    mean = sum / weight
                }
            }
            means[b] = mean
            previousMean = mean
            blockWeights[b] = weight
            previousWeight = weight
            ends[b + 1] = i + 1
            i += 1
        }
        var result = [Double](repeating: 0, count: n)
        for block in 0...b {
            for k in ends[block]..<ends[block + 1] { result[k] = means[block] }
        }
        return result
    }
}
