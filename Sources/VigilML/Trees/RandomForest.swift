import VigilStats

/// Hyperparameters of a random forest or, with `randomThresholds`, extremely randomized trees.
public struct ForestParameters: Sendable, Equatable, Codable, Hashable {
    public var trees = 100
    public var leaves = 256
    public var minDataInLeaf = 5
    /// Share of features each node considers; nil: the square root of the feature count.
    public var featureFraction: Double?
    /// Share of rows each tree learns from, drawn without replacement.
    public var rowSubsample = 0.632
    public var maxBins = 255
    /// Extra trees: one random threshold per feature and node.
    public var randomThresholds = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case trees, leaves, minDataInLeaf = "min_data_in_leaf", featureFraction = "feature_fraction"
        case rowSubsample = "row_subsample", maxBins = "bins", randomThresholds = "random_thresholds"
    }
}

/// A fitted forest: the probability is the mean of its trees' leaf values (each the share of
/// positive rows in the leaf).
public struct ForestModel: Sendable, Equatable, Codable {
    public var trees: [DecisionTree]

    public func probabilities(_ data: BinnedDataset) -> [Double] {
        var sums = [Double](repeating: 0, count: data.rowCount)
        let scale = 1 / Double(max(trees.count, 1))
        for tree in trees { tree.compiled().addPredictions(of: data, scale: scale, to: &sums) }
        return sums.map { min(max($0, 0), 1) }
    }
}

/// Random forests and extra trees on the same binned data and tree grower as boosting: each
/// tree fits the labels themselves (gradient -y, hessian 1, so a leaf's value is its share of
/// positives and a split's gain is the reduction in squared error, i.e. Gini).
public enum RandomForest {
    public static func fit(_ training: BinnedDataset, labels: [Bool], parameters: ForestParameters,
                           threads: Int = 2, seed: UInt64 = 0) -> ForestModel {
        var random = SeededGenerator(seed: seed)
        let n = training.rowCount
        let grower = TreeGrower(data: training, threads: threads)
        let targets = labels
        grower.setGradients { range, pairs in
            for row in range {
                pairs[2 * row] = targets[row] ? -1 : 0
                pairs[2 * row + 1] = 1
            }
        }
        let featureCount = training.mappers.count
        var growth = TreeGrowth()
        growth.maximumLeaves = parameters.leaves
        growth.minimumRowsInLeaf = parameters.minDataInLeaf
        growth.minimumHessianInLeaf = 0
        growth.categoricalL2 = 0
        growth.featureFractionPerNode = parameters.featureFraction ?? (Double(featureCount).squareRoot() / Double(max(featureCount, 1)))
        growth.randomThresholds = parameters.randomThresholds
        let usable = [Bool](repeating: true, count: featureCount)
        var trees: [DecisionTree] = []
        for _ in 0..<parameters.trees {
            var rows: [Int32] = []
            rows.reserveCapacity(Int(Double(n) * parameters.rowSubsample) + 16)
            for row in 0..<n where random.nextUniform() < parameters.rowSubsample { rows.append(Int32(row)) }
            if rows.count < 2 * parameters.minDataInLeaf { rows = (0..<Int32(n)).map { $0 } }
            trees.append(grower.grow(rows: rows, usable: usable, growth: growth, random: &random))
        }
        return ForestModel(trees: trees)
    }
}
