import VigilStats
import Foundation

/// The candidates the search tries: a portfolio of strong defaults, cheapest first, then
/// neighbours of the best so far (a cost-frugal local search in FLAML's spirit: one
/// hyperparameter moves one step at a time, and a cheaper move is tried before a dearer one).
enum SearchSpace {
    /// Strong defaults for each learner, in the order they are tried. Linear models come
    /// first and always run: on small tables with a shift over time they often generalize best.
    static func portfolio(rows: Int) -> [LearnerConfiguration] {
        var list: [LearnerConfiguration] = [
            .linear(LogisticRegressionParameters(penalty: .l2, inverseRegularization: 1)),
            .boostedTrees(boosting(leaves: 31, learningRate: 0.1, minData: 20)),
            .linear(LogisticRegressionParameters(penalty: .l2, inverseRegularization: 0.05)),
            .linear(LogisticRegressionParameters(penalty: .l1, inverseRegularization: 0.1)),
            .boostedTrees(boosting(leaves: 7, learningRate: 0.05, minData: 40, columnSubsample: 0.8)),
            .boostedTrees(boosting(leaves: 15, learningRate: 0.05, minData: 20, l2: 1, rowSubsample: 0.8, columnSubsample: 0.8)),
        ]
        var forest = ForestParameters()
        forest.leaves = rows > 50_000 ? 256 : 1024
        list.append(.forest(forest))
        forest.randomThresholds = true
        list.append(.forest(forest))
        list.append(.boostedTrees(boosting(leaves: 63, learningRate: 0.05, minData: 20, l2: 1, rowSubsample: 0.8, columnSubsample: 0.6)))
        return list
    }

    static func boosting(leaves: Int, learningRate: Double, minData: Int, l2: Double = 0,
                         rowSubsample: Double = 1, columnSubsample: Double = 1) -> BoostingParameters {
        var parameters = BoostingParameters()
        parameters.leaves = leaves
        parameters.learningRate = learningRate
        parameters.minDataInLeaf = minData
        parameters.l2 = l2
        parameters.rowSubsample = rowSubsample
        parameters.columnSubsample = columnSubsample
        parameters.rounds = 2000
        parameters.earlyStoppingRounds = 30
        return parameters
    }

    /// One-step neighbours of a configuration, cheaper moves first.
    static func neighbours(of configuration: LearnerConfiguration) -> [LearnerConfiguration] {
        switch configuration {
        case .linear(let p):
            return [p.inverseRegularization / 4, p.inverseRegularization * 4].map { c in
                var q = p
                q.inverseRegularization = c
                return .linear(q)
            }
        case .boostedTrees(let p):
            var moves: [BoostingParameters] = []
            func move(_ change: (inout BoostingParameters) -> Void) {
                var q = p
                change(&q)
                if q != p { moves.append(q) }
            }
            move { $0.leaves = max(4, $0.leaves / 2) }
            move { $0.minDataInLeaf = min(400, $0.minDataInLeaf * 2) }
            move { $0.learningRate = min(0.3, $0.learningRate * 2) }
            move { $0.columnSubsample = max(0.3, (($0.columnSubsample - 0.2) * 10).rounded() / 10) }
            move { $0.l2 = $0.l2 == 0 ? 1 : min(100, $0.l2 * 10) }
            move { $0.rowSubsample = max(0.5, (($0.rowSubsample - 0.2) * 10).rounded() / 10) }
            move { $0.leaves = min(255, $0.leaves * 2) }
            move { $0.minDataInLeaf = max(5, $0.minDataInLeaf / 2) }
            move { $0.learningRate = max(0.01, $0.learningRate / 2) }
            move { $0.l2 = $0.l2 <= 1 ? 0 : $0.l2 / 10 }
            move { $0.columnSubsample = min(1, (($0.columnSubsample + 0.2) * 10).rounded() / 10) }
            move { $0.rowSubsample = min(1, (($0.rowSubsample + 0.2) * 10).rounded() / 10) }
            return moves.map { .boostedTrees($0) }
        case .forest(let p):
            var moves: [ForestParameters] = []
            for leaves in [p.leaves / 2, p.leaves * 2] where leaves >= 16 && leaves <= 4096 {
                var q = p
                q.leaves = leaves
                moves.append(q)
            }
            for minData in [p.minDataInLeaf * 2, max(1, p.minDataInLeaf / 2)] where minData != p.minDataInLeaf {
                var q = p
                q.minDataInLeaf = minData
                moves.append(q)
            }
            return moves.map { .forest($0) }
        }
    }
}

extension SearchSpace {
    /// A random configuration of a learner, for when local search has nothing new to try and
    /// budget remains: a restart in a region the neighbours did not reach.
    static func randomConfiguration(like configuration: LearnerConfiguration, random: inout SeededGenerator) -> LearnerConfiguration {
        func logUniform(_ low: Double, _ high: Double) -> Double { exp(log(low) + random.nextUniform() * (log(high) - log(low))) }
        func rounded(_ value: Double, _ digits: Double = 1000) -> Double { (value * digits).rounded() / digits }
        switch configuration {
        case .linear(var p):
            p.inverseRegularization = rounded(logUniform(0.001, 100), 10000)
            return .linear(p)
        case .boostedTrees:
            var p = boosting(leaves: Int(logUniform(4, 128).rounded()), learningRate: rounded(logUniform(0.01, 0.3)),
                             minData: Int(logUniform(5, 200).rounded()))
            p.l2 = [0, 0.1, 1, 10][random.nextIndex(below: 4)]
            p.columnSubsample = [0.5, 0.7, 0.9, 1][random.nextIndex(below: 4)]
            p.rowSubsample = [0.6, 0.8, 1][random.nextIndex(below: 3)]
            return .boostedTrees(p)
        case .forest(var p):
            p.leaves = Int(logUniform(64, 2048).rounded())
            p.minDataInLeaf = Int(logUniform(1, 20).rounded())
            return .forest(p)
        }
    }
}
