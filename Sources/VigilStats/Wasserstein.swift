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
        let n = u.count
        let m = v.count
        guard n > 0, m > 0 else { return nil }
        let nd = Double(n)
        let md = Double(m)
        var i = u.startIndex
        var j = v.startIndex
        var countU = 0
        var countV = 0
        var total = 0.0
        var previous: Double? = nil
        while i != u.endIndex || j != v.endIndex {
            let x: Double
            if i == u.endIndex {
                x = v[j]
            } else if j == v.endIndex {
                x = u[i]
            } else {
                x = Swift.min(u[i], v[j])
            }
            if let previous {
                // Between the previous point and x both CDFs are flat.
                total += Swift.abs(Double(countU) / nd - Double(countV) / md) * (x - previous)
            }
            while i != u.endIndex && u[i] <= x {
                u.formIndex(after: &i)
                countU += 1
            }
            while j != v.endIndex && v[j] <= x {
                v.formIndex(after: &j)
                countV += 1
            }
            previous = x
        }
        return total
    }

    /// The distance divided by the reference standard deviation (ddof = 0), floored at
    /// `0.001` so that a constant reference does not divide by zero.
    public static func normalized(distance: Double, referenceStandardDeviation: Double) -> Double {
        distance / Swift.max(referenceStandardDeviation, 0.001)
    }
}
