#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calibration of predicted probabilities against observed outcomes.
public enum Calibration {
    /// The number of equal-width bins of the expected calibration error.
    public static let binCount = 10

    /// The bin of a score for the expected calibration error: bin `i` (0-based) holds
    /// `i/10 <= score < (i+1)/10`, so a score exactly on an interior edge `i/10` falls in the
    /// bin above it, and a score of exactly 1.0 falls in the last bin, `[0.9, 1.0]`
    /// (scores below 0 go to the first bin, above 1 to the last).
    public static func bin(of score: Double) -> Int {
        var index = 0
        while index < binCount - 1 && Double(index + 1) / Double(binCount) <= score { index += 1 }
        return index
    }

    /// The expected calibration error over 10 equal-width bins:
    /// `Σ_bins (n_bin / n) · |mean score in bin - event rate in bin|`, empty bins contributing 0.
    public static func expectedCalibrationError(labels: [Bool], scores: [Double]) -> Computed<Double> {
        precondition(labels.count == scores.count, "one score per label")
        guard !labels.isEmpty else { return .undefined(reason: "no observations") }
        var counts = [Int](repeating: 0, count: binCount)
        var scoreSums = [Double](repeating: 0, count: binCount)
        var events = [Int](repeating: 0, count: binCount)
        for (label, score) in zip(labels, scores) {
            let b = bin(of: score)
            counts[b] += 1
            scoreSums[b] += score
            if label { events[b] += 1 }
        }
        let n = Double(labels.count)
        var total = 0.0
        for b in 0..<binCount where counts[b] > 0 {
            let count = Double(counts[b])
            total += count / n * abs(scoreSums[b] / count - Double(events[b]) / count)
        }
        return .value(total)
    }

    /// The intercept and slope of the unpenalized logistic regression
    /// `logit P(outcome) = a + b · logit(score)`, fitted by Newton-Raphson (IRLS) as statsmodels'
    /// `Logit(y, [1, logit(score)]).fit(method="newton")` does. Scores are clipped to
    /// `[1e-15, 1 - 1e-15]` first (``ScoringRules/probabilityClip``), so logits lie in ±34.54.
    ///
    /// A perfectly calibrated model has intercept 0 and slope 1. Both numbers come from this one
    /// two-parameter fit (not the "calibration-in-the-large" intercept with the slope fixed at 1).
    ///
    /// - Returns: Undefined with one class only, when the scores separate the classes
    ///   completely or quasi-completely (every positive's score at or above every negative's, or
    ///   at or below: the maximum-likelihood slope is then infinite and statsmodels does not
    ///   converge), or if the fit does not converge within 100 iterations.
    public static func logisticRecalibration(labels: [Bool], scores: [Double]) -> Computed<LogisticRecalibration> {
        precondition(labels.count == scores.count, "one score per label")
        let positives = labels.count { $0 }
        guard positives > 0, positives < labels.count else {
            return .undefined(reason: ROC.undefinedReason(labels))
        }
        let logits = scores.map { score -> Double in
            let p = ScoringRules.clip(score)
            return log(p / (1 - p))
        }
        // With one predictor the maximum-likelihood estimate exists exactly when the classes
        // overlap; otherwise (complete or quasi-complete separation) the slope is infinite.
        var positiveRange = (Double.infinity, -Double.infinity)
        var negativeRange = (Double.infinity, -Double.infinity)
        for (label, x) in zip(labels, logits) {
            if label {
                positiveRange = (min(positiveRange.0, x), max(positiveRange.1, x))
            } else {
                negativeRange = (min(negativeRange.0, x), max(negativeRange.1, x))
            }
        }
        if positiveRange.0 >= negativeRange.1 || positiveRange.1 <= negativeRange.0 {
            return .undefined(reason: "outcomes are separated by score: the calibration slope is infinite")
        }
        var a = 0.0
        var b = 1.0
        for _ in 0..<100 {
            var g0 = 0.0, g1 = 0.0, h00 = 0.0, h01 = 0.0, h11 = 0.0
            for (label, x) in zip(labels, logits) {
                let mu = 1 / (1 + exp(-(a + b * x)))
                let residual = (label ? 1 : 0) - mu
                let weight = mu * (1 - mu)
                g0 += residual
                g1 += residual * x
                h00 += weight
                h01 += weight * x
                h11 += weight * x * x
            }
            let determinant = h00 * h11 - h01 * h01
            guard determinant > 0, determinant.isFinite else {
                return .undefined(reason: "calibration fit is singular (outcomes separated by score)")
            }
            let stepA = (h11 * g0 - h01 * g1) / determinant
            let stepB = (h00 * g1 - h01 * g0) / determinant
            a += stepA
            b += stepB
            guard a.isFinite, b.isFinite else { break }
            if abs(stepA) <= 1e-10 * (1 + abs(a)) && abs(stepB) <= 1e-10 * (1 + abs(b)) {
                return .value(LogisticRecalibration(intercept: a, slope: b))
            }
        }
        return .undefined(reason: "calibration fit did not converge (outcomes separated by score)")
    }
}

/// The intercept and slope of a logistic recalibration fit.
public struct LogisticRecalibration: Sendable, Equatable, Codable {
    public var intercept: Double
    public var slope: Double

    public init(intercept: Double, slope: Double) {
        self.intercept = intercept
        self.slope = slope
    }
}
