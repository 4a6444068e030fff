#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The population stability index between a reference and a current distribution.
///
/// Definition used throughout Vigil (issue 3):
/// - numeric bin edges are the reference quantiles at `1/k, …, (k-1)/k` (numpy linear
///   quantiles), duplicates removed, giving bins `(-inf, e1], (e1, e2], …, (e_last, +inf)`;
/// - `p` and `q` are the reference and current shares per bin (or per category), each
///   floored at `1e-4`;
/// - `PSI = Σ (q - p) · ln(q / p)`.
public enum PSI {
    /// The floor applied to each share before the logarithm, so empty bins stay finite.
    public static let shareFloor = 1e-4

    /// The interior bin edges for `binCount` bins from a sorted reference sample.
    ///
    /// - Returns: Ascending, distinct edges (fewer than `binCount - 1` when quantiles tie);
    ///   empty when the reference is empty or `binCount < 2`.
    public static func edges<C: RandomAccessCollection<Double>>(sortedReference: C, binCount: Int) -> [Double] where C.Index == Int {
        guard binCount >= 2, !sortedReference.isEmpty else { return [] }
        var result: [Double] = []
        result.reserveCapacity(binCount - 1)
        for i in 1..<binCount {
            guard let edge = Quantile.linear(sortedReference, Double(i) / Double(binCount)) else { continue }
            if result.last != edge { result.append(edge) }
        }
        return result
    }

    /// The bin of `value` given interior `edges`: the number of edges strictly below it, so
    /// that a value equal to an edge falls in the bin that edge closes (`(e_{i-1}, e_i]`).
    ///
    /// - Complexity: O(log edges.count), by binary search.
    @inlinable
    public static func bin(of value: Double, edges: [Double]) -> Int {
        var low = 0
        var high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if edges[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Bin counts of a sample (any order) against `edges`; `edges.count + 1` bins.
    public static func binCounts<C: Sequence<Double>>(_ values: C, edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for value in values { counts[bin(of: value, edges: edges)] += 1 }
        return counts
    }

    /// Bin counts of an ascending sample, found by one merge walk over the edges.
    ///
    /// - Complexity: O(n + edges.count).
    public static func binCounts<C: Collection<Double>>(sorted values: C, edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        var binIndex = 0
        for value in values {
            while binIndex < edges.count && edges[binIndex] < value { binIndex += 1 }
            counts[binIndex] += 1
        }
        return counts
    }

    /// Bin counts of a sorted sample, one merge step per distinct value (tied values share a bin).
    ///
    /// - Complexity: O(distinct values + edges.count).
    public static func binCounts(sorted sample: SortedSample, edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        var binIndex = 0
        sample.forEachDistinct { value, count in
            while binIndex < edges.count && edges[binIndex] < value { binIndex += 1 }
            counts[binIndex] += count
        }
        return counts
    }

    /// PSI from per-bin (or per-category) counts of the two samples, aligned by index.
    ///
    /// - Returns: `nil` when either sample has no values.
    public static func index(referenceCounts: [Int], currentCounts: [Int]) -> Double? {
        precondition(referenceCounts.count == currentCounts.count, "bins must align")
        let referenceTotal = referenceCounts.reduce(0, +)
        let currentTotal = currentCounts.reduce(0, +)
        guard referenceTotal > 0, currentTotal > 0 else { return nil }
        var sum = 0.0
        for (r, c) in zip(referenceCounts, currentCounts) {
            let p = max(Double(r) / Double(referenceTotal), shareFloor)
            let q = max(Double(c) / Double(currentTotal), shareFloor)
            sum += (q - p) * log(q / p)
        }
        return sum
    }
}
