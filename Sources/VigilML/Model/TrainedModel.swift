/// A model ready to score: the document's pipelines, calibration and threshold.
public struct TrainedModel: Sendable {
    public let document: ModelDocument

    public init(_ document: ModelDocument) { self.document = document }

    /// The calibrated probability of each row. `features` are in the document's order.
    public func probabilities(_ features: [FeatureColumn]) -> [Double] {
        let raw = Self.combined(document.members, features: features)
        return raw.map(document.calibration.calibrator.calibrated)
    }

    /// The weighted mean of the members' probabilities.
    static func combined(_ members: [ModelDocument.Member], features: [FeatureColumn]) -> [Double] {
        guard members.count > 1 else { return members.first?.pipeline.probabilities(features) ?? [] }
        var sum = [Double](repeating: 0, count: features.first?.rowCount ?? 0)
        let total = members.reduce(0) { $0 + $1.weight }
        for member in members {
            for (row, probability) in member.pipeline.probabilities(features).enumerated() { sum[row] += member.weight * probability }
        }
        return sum.map { $0 / total }
    }

    /// The feature columns of a table to score, typed as at training and in the document's
    /// order; extra columns are ignored.
    ///
    /// - Throws: ``ScoringError/missingFeature(_:)`` naming the first absent feature.
    public func features(of raw: RawTable) throws(ScoringError) -> [FeatureColumn] {
        var columns: [FeatureColumn] = []
        for spec in document.features {
            guard let index = raw.columnIndex(named: spec.name) else { throw .missingFeature(spec.name) }
            columns.append(FeatureColumn.parse(raw.columns[index], name: spec.name, kind: spec.kind))
        }
        return columns
    }
}

/// Why a table cannot be scored.
public enum ScoringError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingFeature(String)

    public var description: String {
        switch self {
        case .missingFeature(let name): "the model's feature \"\(name)\" is not a column of the data"
        }
    }
}
