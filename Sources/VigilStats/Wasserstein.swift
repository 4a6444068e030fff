/// The first Wasserstein (earth mover's) distance between two samples, as
/// `scipy.stats.wasserstein_distance(u, v)`: `∫ |F_u(x) - F_v(x)| dx` over the empirical CDFs.
public enum Wasserstein {
    /// The distance between two samples sorted ascending (no NaN), by one merge walk.
    ///
    /// - Returns: `nil` when either sample is empty.
    /// - Complexity: O(n + m).
    public static func distance<Reference: RandomAccessCollection<Double>, Current: RandomAccessCollection<Double>>(
        sortedReference u: Reference, sortedCurrent v: Current
    ) -> Double? {
        guard !u.isEmpty, !v.isEmpty else { return nil }
        return EmpiricalDistributionWalk.walk(u, v).wasserstein
    }

    /// The distance divided by the reference standard deviation (ddof = 0), floored at
    /// `0.001` so that a constant reference does not divide by zero.
    public static func normalized(distance: Double, referenceStandardDeviation: Double) -> Double {
        distance / Swift.max(referenceStandardDeviation, 0.001)
    }
}
