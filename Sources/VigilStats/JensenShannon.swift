#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Jensen-Shannon distance, as `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
public enum JensenShannon {
    /// The base-2 Jensen-Shannon distance between two count (or weight) vectors over the same
    /// bins, each normalized to sum to 1, with no smoothing:
    /// `sqrt((KL(p‖m) + KL(q‖m)) / 2 / ln 2)`, `m = (p + q)/2`, where `0 · log 0 = 0`.
    ///
    /// A divergence that rounds below zero is clamped to 0 before the square root
    /// (scipy would return NaN there; it only happens for identical inputs).
    ///
    /// - Returns: A value in [0, 1], or `nil` when either vector sums to zero.
    public static func distance(_ p: [Double], _ q: [Double]) -> Double? {
        precondition(p.count == q.count, "bins must align")
        let pTotal = p.reduce(0, +)
        let qTotal = q.reduce(0, +)
        guard pTotal > 0, qTotal > 0 else { return nil }
        var sum = 0.0
        for (pi, qi) in zip(p, q) {
            let a = pi / pTotal
            let b = qi / qTotal
            let m = (a + b) / 2
            if a > 0 { sum += a * log(a / m) }
            if b > 0 { sum += b * log(b / m) }
        }
        return (max(sum / 2, 0) / log(2.0)).squareRoot()
    }

    /// The distance between two count vectors.
    public static func distance(_ p: [Int], _ q: [Int]) -> Double? {
        distance(p.map(Double.init), q.map(Double.init))
    }
}
