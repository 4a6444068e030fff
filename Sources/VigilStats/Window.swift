/// Accumulates one numeric column of the current window, value by value, for comparison
/// against a ``NumericReferenceProfile``.
public struct NumericWindow: Sendable, Equatable {
    /// Non-missing values in arrival order.
    public private(set) var values: [Double] = []
    /// Values that were missing (NaN).
    public private(set) var missingCount = 0

    public init() {}

    public init(values: [Double]) {
        for value in values { append(value) }
    }

    /// Adds one value; NaN counts as missing.
    public mutating func append(_ value: Double) {
        if value.isNaN { missingCount += 1 } else { values.append(value) }
    }

    /// Adds a missing value.
    public mutating func appendMissing() {
        missingCount += 1
    }

    /// Starts a new window, keeping the storage.
    public mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
        missingCount = 0
    }

    /// The drift of this window against `profile`.
    ///
    /// Sorts only the window; the reference stays as stored. KS and Wasserstein walk the two
    /// samples' distinct values once; PSI bins come from the window's sorted walk over the stored edges.
    ///
    /// - Complexity: O(m) to sort the window (radix sort), O(distinct values of both) for the walks.
    public func evaluate(against profile: NumericReferenceProfile) -> ColumnDrift {
        ColumnDrift.numeric(
            name: profile.name,
            sortedReference: profile.sample, referenceMissing: profile.missingCount,
            referenceBinCounts: profile.binCounts, edges: profile.edges,
            referenceStandardDeviation: profile.standardDeviation,
            sortedCurrent: RadixSort.sortedSample(values), currentMissing: missingCount)
    }
}

/// Accumulates one categorical column of the current window.
public struct CategoricalWindow: Sendable, Equatable {
    public private(set) var categoryCounts: [String: Int] = [:]
    public private(set) var missingCount = 0

    public init() {}

    /// Adds one value; `nil` counts as missing.
    public mutating func append(_ category: String?) {
        if let category { categoryCounts[category, default: 0] += 1 } else { missingCount += 1 }
    }

    public mutating func removeAll() {
        categoryCounts.removeAll(keepingCapacity: true)
        missingCount = 0
    }

    /// The drift of this window against `profile`.
    public func evaluate(against profile: CategoricalReferenceProfile) -> ColumnDrift {
        ColumnDrift.categorical(
            name: profile.name, reference: profile.categoryCounts, referenceMissing: profile.missingCount,
            current: categoryCounts, currentMissing: missingCount)
    }
}
