import VigilStats
import Foundation

/// Turns typed feature columns into the standardized numeric matrix a linear model needs,
/// with every statistic learned from training rows only.
///
/// - Numeric and boolean: missing values imputed with the training median, plus a 0/1
///   missing indicator when missingness carries signal (the positive rate among missing rows
///   differs from the rest by |z| >= 2 in a two-proportion test, with at least 10 missing rows).
/// - Categorical with at most ``oneHotLimit`` values: one-hot; a missing value takes the most
///   frequent category; an unseen one is all zeros.
/// - Categorical with more values: target encoding (the smoothed positive rate of the
///   category), computed out of fold for the training rows so a row's own label never
///   informs its encoding; unseen and missing categories get the overall rate.
/// Every output column is then standardized with its training mean and standard deviation.
public struct LinearEncoder: Sendable, Equatable, Codable {
    public static let oneHotLimit = 10
    /// Weight of the prior in target encoding, in rows.
    public static let targetSmoothing = 20.0

    public enum Column: Sendable, Equatable, Codable {
        case numeric(median: Double, indicator: Bool)
        case oneHot(categories: [String], mostFrequent: String)
        case target(rates: [String: Double], prior: Double)
    }

    public var columns: [Column]
    /// Mean and standard deviation of each output column (sd 1 for a constant column).
    public var means: [Double]
    public var scales: [Double]
    public var outputNames: [String]

    public var outputCount: Int { means.count }

    /// Fits on `features` with `labels`, returning the encoder and the training matrix (whose
    /// target-encoded columns are out of fold).
    public static func fit(_ features: [FeatureColumn], labels: [Bool], seed: UInt64) -> (encoder: LinearEncoder, matrix: DenseMatrix) {
        let n = labels.count
        let prior = Double(labels.reduce(0) { $0 + ($1 ? 1 : 0) }) / Double(max(n, 1))
        var columns: [Column] = []
        var names: [String] = []
        var outputs: [[Double]] = []
        var random = SeededGenerator(seed: seed)
        let innerFolds = random.shuffled(Array(0..<n)).enumerated().reduce(into: [Int](repeating: 0, count: n)) { $0[$1.element] = $1.offset % 5 }
        for feature in features {
            switch feature.kind {
            case .numeric, .boolean:
                let present = feature.numbers.filter { !$0.isNaN }.sorted()
                let median = present.isEmpty ? 0 : (present.count % 2 == 1 ? present[present.count / 2]
                    : (present[present.count / 2 - 1] + present[present.count / 2]) / 2)
                let indicator = missingnessCarriesSignal(feature, labels: labels)
                let column = Column.numeric(median: median, indicator: indicator)
                columns.append(column)
                names.append(feature.name)
                if indicator { names.append(feature.name + "_missing") }
                outputs.append(contentsOf: encoded(feature, column: column))
            case .categorical:
                var counts: [String: Int] = [:]
                for case let value? in feature.categories { counts[value, default: 0] += 1 }
                let ordered = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
                if ordered.count <= oneHotLimit {
                    let column = Column.oneHot(categories: ordered, mostFrequent: ordered.first ?? "")
                    columns.append(column)
                    names.append(contentsOf: ordered.map { "\(feature.name)=\($0)" })
                    outputs.append(contentsOf: encoded(feature, column: column))
                } else {
                    let column = Column.target(rates: targetRates(feature, labels: labels, rows: Array(0..<n), prior: prior), prior: prior)
                    columns.append(column)
                    names.append(feature.name + "_target_rate")
                    // Out of fold: each row's encoding comes from the other four fifths.
                    var values = [Double](repeating: prior, count: n)
                    for fold in 0..<5 {
                        let others = (0..<n).filter { innerFolds[$0] != fold }
                        let rates = targetRates(feature, labels: labels, rows: others, prior: prior)
                        for row in 0..<n where innerFolds[row] == fold {
                            values[row] = feature.categories[row].flatMap { rates[$0] } ?? prior
                        }
                    }
                    outputs.append(values)
                }
            }
        }
        var means: [Double] = []
        var scales: [Double] = []
        for output in outputs {
            let mean = output.reduce(0, +) / Double(max(n, 1))
            let variance = output.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n, 1))
            means.append(mean)
            scales.append(variance > 0 ? variance.squareRoot() : 1)
        }
        let encoder = LinearEncoder(columns: columns, means: means, scales: scales, outputNames: names)
        return (encoder, encoder.matrix(outputs, rowCount: n))
    }

    /// The standardized matrix of `features` (same columns as at fitting).
    public func encode(_ features: [FeatureColumn]) -> DenseMatrix {
        var outputs: [[Double]] = []
        for (feature, column) in zip(features, columns) { outputs.append(contentsOf: Self.encoded(feature, column: column)) }
        return matrix(outputs, rowCount: features.first?.rowCount ?? 0)
    }

    private func matrix(_ outputs: [[Double]], rowCount: Int) -> DenseMatrix {
        var values = [Double](repeating: 0, count: rowCount * outputs.count)
        for (index, output) in outputs.enumerated() {
            let mean = means[index], scale = scales[index]
            for row in 0..<rowCount { values[row * outputs.count + index] = (output[row] - mean) / scale }
        }
        return DenseMatrix(rowCount: rowCount, columnCount: outputs.count, values: values)
    }

    /// The unstandardized output columns of one feature.
    private static func encoded(_ feature: FeatureColumn, column: Column) -> [[Double]] {
        switch column {
        case .numeric(let median, let indicator):
            let imputed = feature.numbers.map { $0.isNaN ? median : $0 }
            return indicator ? [imputed, feature.numbers.map { $0.isNaN ? 1 : 0 }] : [imputed]
        case .oneHot(let categories, let mostFrequent):
            return categories.map { category in feature.categories.map { ($0 ?? mostFrequent) == category ? 1 : 0 } }
        case .target(let rates, let prior):
            return [feature.categories.map { $0.flatMap { rates[$0] } ?? prior }]
        }
    }

    /// Smoothed positive rate per category over `rows`: (positives + m·prior) / (rows + m).
    private static func targetRates(_ feature: FeatureColumn, labels: [Bool], rows: [Int], prior: Double) -> [String: Double] {
        var tallies: [String: (positives: Double, rows: Double)] = [:]
        for row in rows {
            guard let category = feature.categories[row] else { continue }
            tallies[category, default: (0, 0)].positives += labels[row] ? 1 : 0
            tallies[category, default: (0, 0)].rows += 1
        }
        return tallies.mapValues { ($0.positives + targetSmoothing * prior) / ($0.rows + targetSmoothing) }
    }

    /// Whether the positive rate differs between rows with and without a value (|z| >= 2).
    static func missingnessCarriesSignal(_ feature: FeatureColumn, labels: [Bool]) -> Bool {
        var missing = 0.0, missingPositive = 0.0, present = 0.0, presentPositive = 0.0
        for (value, label) in zip(feature.numbers, labels) {
            if value.isNaN { missing += 1; missingPositive += label ? 1 : 0 } else { present += 1; presentPositive += label ? 1 : 0 }
        }
        guard missing >= 10, present >= 10 else { return false }
        let pooled = (missingPositive + presentPositive) / (missing + present)
        let standardError = (pooled * (1 - pooled) * (1 / missing + 1 / present)).squareRoot()
        guard standardError > 0 else { return false }
        return abs(missingPositive / missing - presentPositive / present) / standardError >= 2
    }
}
