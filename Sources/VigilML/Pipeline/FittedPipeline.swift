import VigilStats

/// A learner fitted together with its preprocessing: typed feature columns in, uncalibrated
/// probabilities out.
public struct FittedPipeline: Sendable, Equatable, Codable {
    public enum Model: Sendable, Equatable, Codable {
        case boostedTrees(BoostedTrees)
        case forest(ForestModel)
        case linear(LogisticRegressionModel)
    }

    public var configuration: LearnerConfiguration
    /// Trees: how each feature maps to bins.
    public var binMappers: [BinMapper]?
    /// Linear models: how features become standardized columns.
    public var encoder: LinearEncoder?
    public var model: Model

    enum CodingKeys: String, CodingKey { case configuration, binMappers = "bin_mappers", encoder, model }

    /// The probability of each row of `features` (columns in the schema's order).
    public func probabilities(_ features: [FeatureColumn]) -> [Double] {
        switch model {
        case .boostedTrees(let trees): trees.probabilities(BinnedDataset(features, mappers: binMappers ?? []))
        case .forest(let forest): forest.probabilities(BinnedDataset(features, mappers: binMappers ?? []))
        case .linear(let linear): linear.probabilities(of: (encoder ?? LinearEncoder(columns: [], means: [], scales: [], outputNames: [])).encode(features))
        }
    }

    /// Fits `configuration` on `features` and `labels`. Boosting with early stopping holds out
    /// a tenth of the rows (stratified) to choose its round.
    public static func fit(_ configuration: LearnerConfiguration, features: [FeatureColumn], labels: [Bool],
                           threads: Int, seed: UInt64) throws(LogisticRegressionError) -> FittedPipeline {
        switch configuration {
        case .boostedTrees(let parameters):
            let mappers = BinnerPool.mappers(for: features, maximumBins: parameters.maxBins, threads: threads)
            if parameters.earlyStoppingRounds != nil {
                var random = SeededGenerator(seed: seed ^ 0x5EED)
                let (inner, stopping) = Folds.stratifiedHoldout(labels: labels, share: 0.1, random: &random)
                let training = BinnedDataset(features.map { $0.selecting(rows: inner) }, mappers: mappers)
                let validation = BinnedDataset(features.map { $0.selecting(rows: stopping) }, mappers: mappers)
                let model = GradientBoosting.fit(training, labels: inner.map { labels[$0] }, parameters: parameters,
                                                 validation: (validation, stopping.map { labels[$0] }), threads: threads, seed: seed)
                return FittedPipeline(configuration: configuration, binMappers: mappers, encoder: nil, model: .boostedTrees(model))
            }
            let model = GradientBoosting.fit(BinnedDataset(features, mappers: mappers), labels: labels, parameters: parameters, threads: threads, seed: seed)
            return FittedPipeline(configuration: configuration, binMappers: mappers, encoder: nil, model: .boostedTrees(model))
        case .forest(let parameters):
            let mappers = BinnerPool.mappers(for: features, maximumBins: parameters.maxBins, threads: threads)
            let model = RandomForest.fit(BinnedDataset(features, mappers: mappers), labels: labels, parameters: parameters, threads: threads, seed: seed)
            return FittedPipeline(configuration: configuration, binMappers: mappers, encoder: nil, model: .forest(model))
        case .linear(let parameters):
            let (encoder, matrix) = LinearEncoder.fit(features, labels: labels, seed: seed)
            let model = try LogisticRegression.fit(matrix, labels: labels, parameters: parameters)
            return FittedPipeline(configuration: configuration, binMappers: nil, encoder: encoder, model: .linear(model))
        }
    }
}
