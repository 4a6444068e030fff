#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Proper scoring rules for predicted probabilities of a binary outcome.
public enum ScoringRules {
    /// The clipping bound for probabilities before logarithms or logits: scores are clipped to
    /// `[1e-15, 1 - 1e-15]`, so a score of exactly 0 or 1 costs at most `-ln(1e-15) ≈ 34.5`.
    public static let probabilityClip = 1e-15

    /// The Brier score, `mean((score - outcome)²)`, as `sklearn.metrics.brier_score_loss`.
    public static func brierScore(labels: [Bool], scores: [Double]) -> Computed<Double> {
        precondition(labels.count == scores.count, "one score per label")
        guard !labels.isEmpty else { return .undefined(reason: "no observations") }
        var sum = 0.0
        for (label, score) in zip(labels, scores) {
            let difference = score - (label ? 1 : 0)
            sum += difference * difference
        }
        return .value(sum / Double(labels.count))
    }

    /// The mean negative log-likelihood (log-loss, natural log) with scores clipped to
    /// ``probabilityClip``, as `sklearn.metrics.log_loss` on the clipped scores.
    public static func logLoss(labels: [Bool], scores: [Double]) -> Computed<Double> {
        precondition(labels.count == scores.count, "one score per label")
        guard !labels.isEmpty else { return .undefined(reason: "no observations") }
        var sum = 0.0
        for (label, score) in zip(labels, scores) {
            let p = clip(score)
            sum -= label ? log(p) : log(1 - p)
        }
        return .value(sum / Double(labels.count))
    }

    /// `score` clipped to `[1e-15, 1 - 1e-15]`.
    public static func clip(_ score: Double) -> Double {
        min(max(score, probabilityClip), 1 - probabilityClip)
    }
}
