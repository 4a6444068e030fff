/// Pearson's chi-square test of homogeneity on a 2 × K table of category counts, as
/// `scipy.stats.chi2_contingency(table, correction=False)`.
public struct ChiSquareResult: Sendable, Equatable, Codable {
    /// `Σ (observed - expected)² / expected`.
    public var statistic: Double
    /// The upper tail of the chi-square distribution at ``statistic``.
    public var pValue: Double
    /// `K - 1` for K categories seen in either sample.
    public var degreesOfFreedom: Int
}

public enum ChiSquare {
    /// The homogeneity test between two rows of counts over the same categories.
    ///
    /// Categories with zero count in both rows are dropped first (scipy would reject a zero
    /// expected frequency; Vigil's tables only hold categories seen in either sample).
    /// With a single category there are zero degrees of freedom and the result is a statistic
    /// of 0 with p-value 1, as scipy returns when `dof == 0`.
    ///
    /// - Returns: `nil` when either row sums to zero.
    public static func homogeneity(reference: [Int], current: [Int]) -> ChiSquareResult? {
        precondition(reference.count == current.count, "categories must align")
        let pairs = zip(reference, current).filter { $0.0 + $0.1 > 0 }
        let referenceTotal = pairs.reduce(0) { $0 + $1.0 }
        let currentTotal = pairs.reduce(0) { $0 + $1.1 }
        guard referenceTotal > 0, currentTotal > 0 else { return nil }
        let degreesOfFreedom = pairs.count - 1
        if degreesOfFreedom == 0 {
            return ChiSquareResult(statistic: 0, pValue: 1, degreesOfFreedom: 0)
        }
        let total = Double(referenceTotal + currentTotal)
        let rowShares = [Double(referenceTotal) / total, Double(currentTotal) / total]
        var statistic = 0.0
        for (r, c) in pairs {
            let columnTotal = Double(r + c)
            let expectedReference = columnTotal * rowShares[0]
            let expectedCurrent = columnTotal * rowShares[1]
            statistic += (Double(r) - expectedReference) * (Double(r) - expectedReference) / expectedReference
            statistic += (Double(c) - expectedCurrent) * (Double(c) - expectedCurrent) / expectedCurrent
        }
        let p = SpecialFunctions.chiSquareSurvival(statistic, degreesOfFreedom: Double(degreesOfFreedom))
        return ChiSquareResult(statistic: statistic, pValue: p, degreesOfFreedom: degreesOfFreedom)
    }
}
