/// Adjustments of a family of p-values for multiple testing.
public enum MultipleTesting {
    /// Benjamini-Hochberg adjusted p-values (false discovery rate), as statsmodels'
    /// `multipletests(p, method="fdr_bh")[1]` and `scipy.stats.false_discovery_control(p)`:
    /// `p_(i) · m / i` over ascending ranks, made monotone from the largest rank down, capped at 1.
    ///
    /// - Returns: Adjusted values in the order of the input.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(running, 1)
        }
        return adjusted
    }

    /// Bonferroni adjusted p-values: `min(1, p · m)`.
    public static func bonferroni(_ pValues: [Double]) -> [Double] {
        let m = Double(pValues.count)
        return pValues.map { min(1, $0 * m) }
    }
}
