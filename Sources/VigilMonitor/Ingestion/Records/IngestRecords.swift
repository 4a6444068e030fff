/// A feature value as a model logged it: the JSON scalars a `features` object may hold.
public enum FeatureValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    /// The feature was logged as `null` (missing at prediction time), which drift and
    /// missingness monitoring need to see, so it is kept rather than dropped.
    case null
}

/// One line of a model's prediction log: what the model said about whom, when, given what.
public struct PredictionRecord: Sendable, Equatable {
    /// One input of the model, in the order the line lists them.
    public struct Feature: Sendable, Equatable {
        public var name: String
        public var value: FeatureValue

        public init(name: String, value: FeatureValue) {
            self.name = name
            self.value = value
        }
    }

    /// One subgroup attribute (site, sex, age band, ...), in the order the line lists them.
    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The encounter or request the prediction is about; outcomes join on it.
    public var id: String
    /// When the prediction was made, in Unix seconds (fractional).
    public var timestamp: Double
    public var model: String?
    /// The model version; a number in the line is kept as its text (`3.10` stays `"3.10"`).
    public var version: String?
    /// The model's output, in [0, 1].
    public var score: Double
    public var features: [Feature]
    public var attributes: [Attribute]

    public init(
        id: String, timestamp: Double, model: String? = nil, version: String? = nil, score: Double,
        features: [Feature], attributes: [Attribute] = []
    ) {
        self.id = id
        self.timestamp = timestamp
        self.model = model
        self.version = version
        self.score = score
        self.features = features
        self.attributes = attributes
    }

    /// The value of the feature called `name`, if the line has it.
    ///
    /// - Complexity: O(*n*) in the number of features.
    public func feature(named name: String) -> FeatureValue? {
        features.first { $0.name == name }?.value
    }

    /// The value of the attribute called `name`, if the line has it.
    ///
    /// - Complexity: O(*n*) in the number of attributes.
    public func attribute(named name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// One line of a model's outcome log: what actually happened to the encounter `id`.
public struct OutcomeRecord: Sendable, Equatable {
    /// The encounter or request; joins with `PredictionRecord.id`.
    public var id: String
    /// When the outcome was recorded, in Unix seconds (fractional).
    public var timestamp: Double
    public var model: String?
    /// The observed binary outcome.
    public var label: Bool

    public init(id: String, timestamp: Double, model: String? = nil, label: Bool) {
        self.id = id
        self.timestamp = timestamp
        self.model = model
        self.label = label
    }
}
