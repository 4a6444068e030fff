/// The drift statistics of one column before multiple-testing adjustment.
///
/// Fields that do not apply to the column's kind, or that are undefined because a sample has
/// no values, are `nil`.
public struct ColumnDrift: Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// Non-missing values in each sample.
    public var referenceCount: Int
    public var currentCount: Int
    /// Shares of missing values in each sample (`nil` for a sample with no rows).
    public var referenceMissingShare: Double?
    public var currentMissingShare: Double?
    public var psi: Double?
    public var ksStatistic: Double?
    public var ksPValue: Double?
    public var wasserstein: Double?
    public var normalizedWasserstein: Double?
    public var jensenShannon: Double?
    public var chiSquare: Double?
    public var chiSquarePValue: Double?
    /// Share of current values whose category never occurs in the reference.
    public var unseenShare: Double?

    /// The p-value that enters the multiple-testing adjustment: KS's for numeric columns,
    /// chi-square's for categorical ones.
    public var pValue: Double? {
        kind == .numeric ? ksPValue : chiSquarePValue
    }

    init(name: String, kind: ColumnKind, referenceCount: Int, referenceMissing: Int, currentCount: Int, currentMissing: Int) {
        self.name = name
        self.kind = kind
        self.referenceCount = referenceCount
        self.currentCount = currentCount
        referenceMissingShare = Self.share(referenceMissing, of: referenceCount + referenceMissing)
        currentMissingShare = Self.share(currentMissing, of: currentCount + currentMissing)
    }

    static func share(_ part: Int, of total: Int) -> Double? {
        total == 0 ? nil : Double(part) / Double(total)
    }
}

extension ColumnDrift {
    /// Compares two numeric samples (NaN = missing) held in memory.
    ///
    /// Sorts both samples and computes every statistic from the arrays directly; gives the same
    /// numbers as profiling the reference and evaluating a ``NumericWindow`` against it.
    public static func numeric(name: String, reference: [Double], current: [Double], binCount: Int = 10) -> ColumnDrift {
        let sortedReference = RadixSort.sorted(reference.filter { !$0.isNaN })
        let sortedCurrent = RadixSort.sortedSample(current.filter { !$0.isNaN })
        let edges = PSI.edges(sortedReference: sortedReference, binCount: binCount)
        return numeric(
            name: name,
            sortedReference: SortedSample(sorted: sortedReference), referenceMissing: reference.count - sortedReference.count,
            referenceBinCounts: PSI.binCounts(sorted: sortedReference, edges: edges), edges: edges,
            referenceStandardDeviation: Moments(sortedReference)?.standardDeviation,
            sortedCurrent: sortedCurrent, currentMissing: current.count - sortedCurrent.count)
    }

    /// The shared core of both numeric paths: every input is already sorted or counted.
    ///
    /// - Complexity: O(distinct values of both samples) plus the p-value (see
    ///   ``KolmogorovSmirnov/pValue(statistic:referenceCount:currentCount:)``).
    static func numeric(
        name: String,
        sortedReference: SortedSample, referenceMissing: Int,
        referenceBinCounts: [Int], edges: [Double], referenceStandardDeviation: Double?,
        sortedCurrent: SortedSample, currentMissing: Int
    ) -> ColumnDrift {
        var drift = ColumnDrift(
            name: name, kind: .numeric,
            referenceCount: referenceBinCounts.reduce(0, +), referenceMissing: referenceMissing,
            currentCount: sortedCurrent.count, currentMissing: currentMissing)
        guard !sortedReference.isEmpty, !sortedCurrent.isEmpty else { return drift }
        let currentBinCounts = PSI.binCounts(sorted: sortedCurrent, edges: edges)
        drift.psi = PSI.index(referenceCounts: referenceBinCounts, currentCounts: currentBinCounts)
        drift.jensenShannon = JensenShannon.distance(referenceBinCounts, currentBinCounts)
        // One merge walk over the distinct values gives both D and the Wasserstein distance.
        let walk = EmpiricalDistributionWalk(reference: sortedReference, current: sortedCurrent)
        let (ks, _) = KolmogorovSmirnov.pValue(
            statistic: walk.ksStatistic, referenceCount: sortedReference.count, currentCount: sortedCurrent.count)
        drift.ksStatistic = ks.statistic
        drift.ksPValue = ks.pValue.isNaN ? nil : ks.pValue
        drift.wasserstein = walk.wasserstein
        drift.normalizedWasserstein = Wasserstein.normalized(
            distance: walk.wasserstein, referenceStandardDeviation: referenceStandardDeviation ?? 0)
        return drift
    }

    /// Compares two categorical samples (`nil` = missing) held in memory.
    public static func categorical(name: String, reference: [String?], current: [String?]) -> ColumnDrift {
        let profile = CategoricalReferenceProfile(name: name, values: reference)
        let window = CategoricalWindow(values: current)
        return categorical(name: name, reference: profile.categoryCounts, referenceMissing: profile.missingCount,
                           current: window.categoryCounts, currentMissing: window.missingCount)
    }

    /// Chi-square, PSI, Jensen-Shannon and the unseen share over the categories seen in either sample.
    static func categorical(name: String, reference: [String: Int], referenceMissing: Int,
                            current: [String: Int], currentMissing: Int) -> ColumnDrift {
        let referenceTotal = reference.values.reduce(0, +)
        let currentTotal = current.values.reduce(0, +)
        var drift = ColumnDrift(
            name: name, kind: .categorical,
            referenceCount: referenceTotal, referenceMissing: referenceMissing,
            currentCount: currentTotal, currentMissing: currentMissing)
        guard referenceTotal > 0, currentTotal > 0 else { return drift }
        let categories = Set(reference.keys).union(current.keys).sorted()
        let referenceCounts = categories.map { reference[$0, default: 0] }
        let currentCounts = categories.map { current[$0, default: 0] }
        drift.psi = PSI.index(referenceCounts: referenceCounts, currentCounts: currentCounts)
        drift.jensenShannon = JensenShannon.distance(referenceCounts, currentCounts)
        if let chi = ChiSquare.homogeneity(reference: referenceCounts, current: currentCounts) {
            drift.chiSquare = chi.statistic
            drift.chiSquarePValue = chi.pValue
        }
        let unseen = current.reduce(0) { $0 + (reference[$1.key] == nil ? $1.value : 0) }
        drift.unseenShare = Double(unseen) / Double(currentTotal)
        return drift
    }
}
