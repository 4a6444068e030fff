/// Quantiles of a sorted sample by linear interpolation between order statistics,
/// as numpy's default `np.quantile(a, q, method="linear")`.
public enum Quantile {
    /// The `q`-quantile of `sorted` (ascending, no NaN): the virtual index `(n-1)·q`
    /// interpolated between its neighbouring order statistics with numpy's `_lerp`
    /// (`a + (b-a)·t` for `t < 0.5`, `b - (b-a)·(1-t)` otherwise), so that edges agree with
    /// numpy to the last bit — which matters when data values sit exactly on an edge.
    ///
    /// - Returns: `nil` for an empty sample.
    public static func linear<C: RandomAccessCollection<Double>>(_ sorted: C, _ q: Double) -> Double? where C.Index == Int {
        let n = sorted.count
        guard n > 0 else { return nil }
        let start = sorted.startIndex
        let virtualIndex = Double(n - 1) * q
        if virtualIndex >= Double(n - 1) { return sorted[start + n - 1] }
        if virtualIndex < 0 { return sorted[start] }
        let previous = virtualIndex.rounded(.down)
        let lower = sorted[start + Int(previous)]
        let upper = sorted[start + Int(previous) + 1]
        let t = virtualIndex - previous
        let difference = upper - lower
        return t >= 0.5 ? upper - difference * (1 - t) : lower + difference * t
    }
}
