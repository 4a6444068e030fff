#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VigilStats

/// The logistic function `1 / (1 + exp(-z))`, evaluated so that no intermediate overflows:
/// for negative `z` it is `exp(z) / (1 + exp(z))`, so a huge `|z|` gives exactly 0 or 1.
@inline(__always)
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}

/// `log(1 + exp(z))` (the softplus), exact to rounding for every finite `z`: written as
/// `max(z, 0) + log1p(exp(-|z|))`, so it neither overflows for large `z` nor underflows to 0
/// in a way that loses the `exp(z)` tail for very negative `z`.
@inline(__always)
func logOnePlusExp(_ z: Double) -> Double {
    max(z, 0) + log1p(exp(-abs(z)))
}

/// The logistic function, its inverse and the log-loss on log-odds, for callers outside the
/// learners (built on the same overflow-free `sigmoid` and `logOnePlusExp`).
public enum Logistic {
    @inline(__always)
    public static func sigmoid(_ z: Double) -> Double { VigilML.sigmoid(z) }

    /// The log-odds of a probability, clipped away from 0 and 1 as the log-loss clips it.
    public static func logit(_ p: Double) -> Double {
        let clipped = ScoringRules.clip(p)
        return log(clipped / (1 - clipped))
    }

    /// Mean log-loss of log-odds `z`: `log(1 + e^z) - y z`.
    public static func logLoss(logOdds: [Double], labels: [Bool]) -> Double {
        var total = 0.0
        for (z, label) in zip(logOdds, labels) { total += logOnePlusExp(z) - (label ? z : 0) }
        return total / Double(max(logOdds.count, 1))
    }
}
