/// Which values of a prediction a drift window keeps, in a fixed order: the model's numeric
/// features, its categorical features, and its subgroup attributes.
struct WindowLayout: Sendable, Equatable {
    var numeric: [String]
    var categorical: [String]
    var subgroups: [String]
    /// Every feature of the schema, in the configured order (the order lines usually list them in).
    var features: [String]

    init(numeric: [String], categorical: [String], subgroups: [String]) {
        self.numeric = numeric
        self.categorical = categorical
        self.subgroups = subgroups
        features = numeric + categorical
    }

    init(model: ModelConfig) {
        numeric = model.features.filter { $0.type == .numeric }.map(\.name)
        categorical = model.features.filter { $0.type == .categorical }.map(\.name)
        subgroups = model.subgroups
        features = model.features.map(\.name)
    }

    /// Calls `body` with each feature of `record` that the schema does not list. Lines
    /// usually list features in the schema's order, so each name is first compared with the
    /// one expected next: no hashing on ingestion's hot path.
    func forEachUnknownFeature(of record: PredictionRecord, _ body: (String) -> Void) {
        var cursor = 0
        for feature in record.features where Self.slot(of: feature.name, in: features, hint: &cursor) == nil {
            body(feature.name)
        }
    }

    /// `record`'s values of the subgroup attributes: from `attrs`, else from a feature.
    func subgroupValues(of record: PredictionRecord) -> [String?] {
        subgroups.map { name in
            record.attribute(named: name) ?? record.feature(named: name).flatMap(Self.category)
        }
    }

    /// The window values of `record`.
    ///
    /// A numeric feature logged as a boolean counts as 0 or 1, as a numeric string as its
    /// number; anything else (null, absent, text) is missing. A categorical feature logged as a
    /// number or boolean is its JSON text. A subgroup comes from `attrs`, else from a feature.
    func row(of record: PredictionRecord) -> WindowRow {
        var row = WindowRow(
            timestamp: record.timestamp, score: record.score, version: record.version,
            numeric: Array(repeating: .nan, count: numeric.count),
            categorical: Array(repeating: nil, count: categorical.count),
            subgroups: Array(repeating: nil, count: subgroups.count))
        // Lines usually list features in the same order as the schema: try the expected
        // position before searching.
        var numericCursor = 0
        var categoricalCursor = 0
        for feature in record.features {
            if let slot = Self.slot(of: feature.name, in: numeric, hint: &numericCursor) {
                row.numeric[slot] = Self.number(feature.value)
            } else if let slot = Self.slot(of: feature.name, in: categorical, hint: &categoricalCursor) {
                row.categorical[slot] = Self.category(feature.value)
            }
        }
        row.subgroups = subgroupValues(of: record)
        return row
    }

    private static func slot(of name: String, in names: [String], hint: inout Int) -> Int? {
        if hint < names.count, names[hint] == name {
            hint += 1
            return hint - 1
        }
        guard let found = names.firstIndex(of: name) else { return nil }
        hint = found + 1
        return found
    }

    static func number(_ value: FeatureValue) -> Double {
        switch value {
        case .number(let number): number
        case .bool(let flag): flag ? 1 : 0
        case .string(let text): Double(text).flatMap { $0.isFinite ? $0 : nil } ?? .nan
        case .null: .nan
        }
    }

    static func category(_ value: FeatureValue) -> String? {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number):
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .null: nil
        }
    }
}

/// One prediction's values in a window, laid out by a `WindowLayout`; NaN and nil are missing.
struct WindowRow: Sendable, Equatable {
    var timestamp: Double
    var score: Double
    var version: String?
    var numeric: [Double]
    var categorical: [String?]
    var subgroups: [String?]
}
