/// The drift of a dataset: every column's statistics, its adjusted p-value and decision, and
/// the dataset-level decision. Encodes to the JSON of `vigil drift --json`.
public struct DriftReport: Sendable, Equatable, Codable {
    public var columns: [Column]
    /// Share of columns that drifted (0 for a report without columns).
    public var driftedShare: Double
    /// Whether ``driftedShare`` reached the configured dataset threshold.
    public var isDatasetDrifted: Bool

    private enum CodingKeys: String, CodingKey {
        case columns
        case driftedShare = "drifted_share"
        case isDatasetDrifted = "dataset_drift"
    }

    /// One column of the report. Every JSON key is always
    /// present, with `null` where a statistic does not apply to the column's type or is
    /// undefined (a sample without values).
    ///
    /// `ksPValueAdjusted` holds the Benjamini-Hochberg adjusted p-value of the column's own
    /// test — Kolmogorov-Smirnov for numeric columns, chi-square for categorical ones — adjusted
    /// over all columns with a defined p-value, so that one field drives the decision for both.
    public struct Column: Sendable, Equatable, Codable {
        public var name: String
        public var type: ColumnKind
        public var referenceCount: Int
        public var currentCount: Int
        public var referenceMissingShare: Double?
        public var currentMissingShare: Double?
        public var psi: Double?
        public var ksStatistic: Double?
        public var ksPValue: Double?
        public var ksPValueAdjusted: Double?
        public var wasserstein: Double?
        public var normalizedWasserstein: Double?
        public var jensenShannon: Double?
        public var chiSquare: Double?
        public var chiSquarePValue: Double?
        public var unseenShare: Double?
        public var isDrifted: Bool

        private enum CodingKeys: String, CodingKey {
            case name, type, psi, wasserstein
            case isDrifted = "drifted"
            case referenceCount = "n_reference", currentCount = "n_current"
            case referenceMissingShare = "missing_reference", currentMissingShare = "missing_current"
            case ksStatistic = "ks_statistic", ksPValue = "ks_pvalue", ksPValueAdjusted = "ks_pvalue_adjusted"
            case normalizedWasserstein = "wasserstein_normalized", jensenShannon = "jensen_shannon"
            case chiSquare = "chi2", chiSquarePValue = "chi2_pvalue", unseenShare = "unseen_share"
        }

        /// Encodes `nil` as an explicit JSON `null` rather than omitting the key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(type, forKey: .type)
            try container.encode(referenceCount, forKey: .referenceCount)
            try container.encode(currentCount, forKey: .currentCount)
            try container.encode(referenceMissingShare, forKey: .referenceMissingShare)
            try container.encode(currentMissingShare, forKey: .currentMissingShare)
            try container.encode(psi, forKey: .psi)
            try container.encode(ksStatistic, forKey: .ksStatistic)
            try container.encode(ksPValue, forKey: .ksPValue)
            try container.encode(ksPValueAdjusted, forKey: .ksPValueAdjusted)
            try container.encode(wasserstein, forKey: .wasserstein)
            try container.encode(normalizedWasserstein, forKey: .normalizedWasserstein)
            try container.encode(jensenShannon, forKey: .jensenShannon)
            try container.encode(chiSquare, forKey: .chiSquare)
            try container.encode(chiSquarePValue, forKey: .chiSquarePValue)
            try container.encode(unseenShare, forKey: .unseenShare)
            try container.encode(isDrifted, forKey: .isDrifted)
        }
    }

    /// Adjusts the columns' p-values (Benjamini-Hochberg) and applies the decision rule.
    ///
    /// Columns whose p-value is undefined take no part in the adjustment and count as not
    /// drifted; they still count in the denominator of ``driftedShare``.
    public init(columns drifts: [ColumnDrift], configuration: DriftConfiguration = DriftConfiguration()) {
        let tested = drifts.indices.filter { drifts[$0].pValue != nil }
        let adjusted = MultipleTesting.benjaminiHochberg(tested.map { drifts[$0].pValue! })
        var adjustedByIndex: [Int: Double] = [:]
        for (index, value) in zip(tested, adjusted) { adjustedByIndex[index] = value }
        columns = drifts.enumerated().map { index, drift in
            let adjustedP = adjustedByIndex[index]
            return Column(
                name: drift.name, type: drift.kind,
                referenceCount: drift.referenceCount, currentCount: drift.currentCount,
                referenceMissingShare: drift.referenceMissingShare, currentMissingShare: drift.currentMissingShare,
                psi: drift.psi, ksStatistic: drift.ksStatistic, ksPValue: drift.ksPValue,
                ksPValueAdjusted: adjustedP,
                wasserstein: drift.wasserstein, normalizedWasserstein: drift.normalizedWasserstein,
                jensenShannon: drift.jensenShannon, chiSquare: drift.chiSquare, chiSquarePValue: drift.chiSquarePValue,
                unseenShare: drift.unseenShare,
                isDrifted: configuration.isDrifted(psi: drift.psi, adjustedPValue: adjustedP))
        }
        let driftedCount = columns.count { $0.isDrifted }
        driftedShare = columns.isEmpty ? 0 : Double(driftedCount) / Double(columns.count)
        isDatasetDrifted = !columns.isEmpty && driftedShare >= configuration.datasetDriftShare
    }
}

extension DriftReport {
    /// Evaluates every column of a reference profile against the current window.
    ///
    /// - Parameters:
    ///   - numericWindows: Windows of the numeric columns, by column name.
    ///   - categoricalWindows: Windows of the categorical columns, by column name.
    ///   A column of the profile without a window is compared against an empty window.
    public init(
        profile: ReferenceProfile,
        numericWindows: [String: NumericWindow],
        categoricalWindows: [String: CategoricalWindow],
        configuration: DriftConfiguration = DriftConfiguration()
    ) {
        let drifts = profile.columns.map { column -> ColumnDrift in
            switch column {
            case .numeric(let reference):
                (numericWindows[reference.name] ?? NumericWindow()).evaluate(against: reference)
            case .categorical(let reference):
                (categoricalWindows[reference.name] ?? CategoricalWindow()).evaluate(against: reference)
            }
        }
        self.init(columns: drifts, configuration: configuration)
    }
}
