/// What limits and shapes the growth of one tree (shared by boosting and forests).
struct TreeGrowth: Sendable {
    var maximumLeaves = 31
    /// 0: no limit.
    var maximumDepth = 0
    var minimumRowsInLeaf = 20
    var minimumHessianInLeaf = 1e-3
    var l2 = 0.0
    var minimumGain = 0.0
    /// Categorical splits, as LightGBM: one category against the rest up to this many bins,
    var oneVersusRestUpTo = 4
    /// otherwise categories sorted by gradient ratio with this smoothing (also the fewest rows
    /// a category needs to be placed), with this extra L2, up to this many categories on the
    /// left, and at least this many rows on each side.
    var categoricalSmoothing = 10.0
    var categoricalL2 = 10.0
    var maximumCategoriesInSplit = 32
    var minimumRowsPerCategoryGroup = 100
    /// The share of features a node considers (forests); 1 considers all.
    var featureFractionPerNode = 1.0
    /// Extra trees: one random threshold per feature and node instead of the best.
    var randomThresholds = false
}

/// The best way found to split one leaf.
struct SplitCandidate: Sendable {
    var feature = -1
    var gain = -Double.infinity
    var thresholdBin: UInt8 = 0
    var categoricalBins: [UInt8] = []
    var defaultLeft = false
    var leftG = 0.0, leftH = 0.0, leftCount = 0.0

    var isValid: Bool { feature >= 0 && gain.isFinite }
}
