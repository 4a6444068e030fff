import VigilML
import VigilStats

/// What monitoring takes from a model's production version: its inputs, the profile of its
/// training data (the drift reference) and its validation AUROC.
public struct ProductionVersion: Sendable, Equatable {
    public var version: Int
    public var features: [FeatureSpec]
    public var reference: ReferenceProfile
    public var validationAUROC: Double?

    public init(version: Int, document: ModelDocument) {
        self.version = version
        features = document.features.map { spec in
            FeatureSpec(name: spec.name, type: spec.kind == .categorical ? .categorical : .numeric)
        }
        reference = document.reference
        validationAUROC = document.validation.auroc
    }
}

extension ModelConfig {
    /// This model as monitoring and ingestion should see it: the production version's features,
    /// training profile and validation AUROC where the file sets none.
    public var effective: ModelConfig {
        guard let production else { return self }
        var model = self
        if model.features.isEmpty { model.features = production.features }
        if model.performance.validationAUROC == nil { model.performance.validationAUROC = production.validationAUROC }
        return model
    }
}
