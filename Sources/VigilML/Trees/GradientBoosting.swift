import VigilStats
import Foundation

/// Hyperparameters of the boosted trees; defaults are LightGBM's.
public struct BoostingParameters: Sendable, Equatable, Codable, Hashable {
    public var rounds = 100
    public var leaves = 31
    public var learningRate = 0.1
    public var minDataInLeaf = 20
    public var minSumHessianInLeaf = 1e-3
    public var l2 = 0.0
    /// 0: no depth limit.
    public var maxDepth = 0
    public var maxBins = 255
    /// Share of rows each round learns from (bagging every round when below 1).
    public var rowSubsample = 1.0
    /// Share of features each tree may use.
    public var columnSubsample = 1.0
    /// Stop when the validation log-loss has not improved for this many rounds (nil: never).
    public var earlyStoppingRounds: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case rounds, leaves, learningRate = "learning_rate", minDataInLeaf = "min_data_in_leaf"
        case minSumHessianInLeaf = "min_sum_hessian_in_leaf", l2, maxDepth = "max_depth", maxBins = "bins"
        case rowSubsample = "row_subsample", columnSubsample = "column_subsample", earlyStoppingRounds = "early_stopping_rounds"
    }

    var growth: TreeGrowth {
        var growth = TreeGrowth()
        growth.maximumLeaves = leaves
        growth.maximumDepth = maxDepth
        growth.minimumRowsInLeaf = minDataInLeaf
        growth.minimumHessianInLeaf = minSumHessianInLeaf
        growth.l2 = l2
        return growth
    }
}

/// A fitted boosted-tree model: log-odds = `initialScore` + the sum of the trees' leaf values.
public struct BoostedTrees: Sendable, Equatable, Codable {
    public var initialScore: Double
    public var trees: [DecisionTree]
    /// Rounds kept (after early stopping, the best round).
    public var bestRound: Int

    enum CodingKeys: String, CodingKey { case initialScore = "initial_score", trees, bestRound = "best_round" }

    /// The log-odds of each row.
    public func logOdds(_ data: BinnedDataset) -> [Double] {
        var scores = [Double](repeating: initialScore, count: data.rowCount)
        for tree in trees { tree.compiled().addPredictions(of: data, to: &scores) }
        return scores
    }

    /// The probability of each row.
    public func probabilities(_ data: BinnedDataset) -> [Double] { logOdds(data).map(Logistic.sigmoid) }
}

/// Gradient boosting of trees on the log-loss, LightGBM-style.
public enum GradientBoosting {
    /// Fits on `training`; with `validation` and `earlyStoppingRounds`, keeps the round with
    /// the lowest validation log-loss. `threads` threads build histograms.
    public static func fit(_ training: BinnedDataset, labels: [Bool], parameters: BoostingParameters,
                           validation: (data: BinnedDataset, labels: [Bool])? = nil, threads: Int = 2, seed: UInt64 = 0) -> BoostedTrees {
        var random = SeededGenerator(seed: seed)
        let n = training.rowCount
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let prior = min(max(Double(positives) / Double(max(n, 1)), 1e-12), 1 - 1e-12)
        let initialScore = log(prior / (1 - prior))
        var scores = [Double](repeating: initialScore, count: n)
        let targets = labels.map { $0 ? 1.0 : 0.0 }
        let grower = TreeGrower(data: training, threads: threads)
        let growth = parameters.growth
        let featureCount = training.mappers.count

        var validationScores = [Double](repeating: initialScore, count: validation?.data.rowCount ?? 0)
        var bestLoss = Double.infinity
        var bestRound = 0
        var trees: [DecisionTree] = []
        for round in 0..<parameters.rounds {
            scores.withUnsafeBufferPointer { scores in
                targets.withUnsafeBufferPointer { targets in
                    let inputs = UnsafeSendable((scores.baseAddress!, targets.baseAddress!))
                    grower.setGradients { range, pairs in
                        let (scores, targets) = inputs.value
                        for row in range {
                            let p = sigmoid(scores[row])
                            pairs[2 * row] = Float(p - targets[row])
                            pairs[2 * row + 1] = Float(max(p * (1 - p), 1e-16))
                        }
                    }
                }
            }
            var rows: [Int32]?
            if parameters.rowSubsample < 1 {
                var bagged: [Int32] = []
                bagged.reserveCapacity(Int(Double(n) * parameters.rowSubsample) + 16)
                for row in 0..<n where random.nextUniform() < parameters.rowSubsample { bagged.append(Int32(row)) }
                rows = bagged
            }
            var usable = [Bool](repeating: true, count: featureCount)
            if parameters.columnSubsample < 1 {
                let take = max(1, Int((Double(featureCount) * parameters.columnSubsample).rounded()))
                usable = [Bool](repeating: false, count: featureCount)
                for feature in random.shuffled(Array(0..<featureCount)).prefix(take) { usable[feature] = true }
            }
            var tree = grower.grow(rows: rows, usable: usable, growth: growth, random: &random)
            tree.leafValues = tree.leafValues.map { $0 * parameters.learningRate }
            let compiled = tree.compiled()
            if rows == nil {
                // Every row sits in a leaf of the partition: add leaf values by range.
                for leaf in tree.leafValues.indices {
                    let value = tree.leafValues[leaf]
                    for row in grower.rows(ofLeaf: leaf) { scores[Int(row)] += value }
                }
            } else {
                compiled.addPredictions(of: training, to: &scores)
            }
            trees.append(tree)

            if let validation {
                compiled.addPredictions(of: validation.data, to: &validationScores)
                let loss = Logistic.logLoss(logOdds: validationScores, labels: validation.labels)
                if loss < bestLoss {
                    bestLoss = loss
                    bestRound = round + 1
                } else if let patience = parameters.earlyStoppingRounds, round + 1 - bestRound >= patience {
                    break
                }
            }
        }
        if validation == nil || parameters.earlyStoppingRounds == nil { bestRound = trees.count }
        return BoostedTrees(initialScore: initialScore, trees: Array(trees.prefix(bestRound)), bestRound: bestRound)
    }
}
