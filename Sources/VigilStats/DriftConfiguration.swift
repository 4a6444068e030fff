/// The thresholds behind Vigil's drift decisions.
///
/// Defaults (issue 3): a column has drifted when `PSI >= 0.25`, or when its Benjamini-Hochberg
/// adjusted p-value is below `0.01` and `PSI >= 0.1`; the dataset has drifted when at least half
/// of its columns have.
public struct DriftConfiguration: Sendable, Equatable, Codable {
    /// Number of PSI bins for numeric columns (quantile bins of the reference).
    public var binCount: Int
    /// PSI at or above which a column has drifted regardless of its p-value.
    public var psiThreshold: Double
    /// PSI at or above which a column has drifted when its test is also significant.
    public var moderatePSIThreshold: Double
    /// Adjusted p-value below which a column's test is significant.
    public var adjustedPValueThreshold: Double
    /// Share of drifted columns at or above which the dataset has drifted.
    public var datasetDriftShare: Double

    public init(
        binCount: Int = 10,
        psiThreshold: Double = 0.25,
        moderatePSIThreshold: Double = 0.1,
        adjustedPValueThreshold: Double = 0.01,
        datasetDriftShare: Double = 0.5
    ) {
        self.binCount = binCount
        self.psiThreshold = psiThreshold
        self.moderatePSIThreshold = moderatePSIThreshold
        self.adjustedPValueThreshold = adjustedPValueThreshold
        self.datasetDriftShare = datasetDriftShare
    }

    /// The default decision rule for one column.
    ///
    /// - Returns: `false` when PSI is undefined (a sample with no values).
    public func isDrifted(psi: Double?, adjustedPValue: Double?) -> Bool {
        guard let psi else { return false }
        if psi >= psiThreshold { return true }
        if let adjustedPValue, adjustedPValue < adjustedPValueThreshold, psi >= moderatePSIThreshold { return true }
        return false
    }
}
