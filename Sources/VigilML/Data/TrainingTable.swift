import VigilStats
/// Which columns of a table play which role in training.
public struct ColumnRoles: Sendable, Equatable, Codable {
    public var target: String
    /// The target value that means positive, for a target with two values other than 0/1 and
    /// true/false.
    public var positive: String?
    public var id: String?
    /// Patient (or other unit) id: all rows of one group stay in the same fold.
    public var group: String?
    /// Event time, RFC 3339 or Unix seconds: validation then holds out the most recent rows.
    public var time: String?
    public var timeAsFeature: Bool
    public var ignore: [String]
    /// Columns whose values get their own validation results (they may also be features).
    public var subgroups: [String]
    /// Overrides of the inferred kinds.
    public var types: [String: FeatureKind]

    public init(target: String, positive: String? = nil, id: String? = nil, group: String? = nil, time: String? = nil,
                timeAsFeature: Bool = false, ignore: [String] = [], subgroups: [String] = [], types: [String: FeatureKind] = [:]) {
        self.target = target
        self.positive = positive
        self.id = id
        self.group = group
        self.time = time
        self.timeAsFeature = timeAsFeature
        self.ignore = ignore
        self.subgroups = subgroups
        self.types = types
    }
}

/// A table ready to learn from: binary labels, typed feature columns, and the rows' groups,
/// times and subgroup values.
public struct TrainingTable: Sendable {
    public var labels: [Bool]
    public var features: [FeatureColumn]
    public var ids: [String]?
    public var groups: [String]?
    /// Unix seconds per row.
    public var times: [Double]?
    /// Subgroup column name → each row's value (empty when missing).
    public var subgroups: [(name: String, values: [String])]
    /// Columns dropped before training, with why (constant, all missing).
    public var warnings: [String]
    public var sourceSHA256: String

    public var rowCount: Int { labels.count }
    public var positiveCount: Int { labels.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The fewest rows of either class that training accepts.
    public static let minimumRowsPerClass = 20

    public init(labels: [Bool], features: [FeatureColumn], ids: [String]? = nil, groups: [String]? = nil, times: [Double]? = nil,
                subgroups: [(name: String, values: [String])] = [], warnings: [String] = [], sourceSHA256: String = "") {
        self.labels = labels
        self.features = features
        self.ids = ids
        self.groups = groups
        self.times = times
        self.subgroups = subgroups
        self.warnings = warnings
        self.sourceSHA256 = sourceSHA256
    }

    /// Types the columns of `raw` and checks that it can be learned from.
    ///
    /// - Throws: ``TrainingDataError`` when a named column is absent, the target is not binary,
    ///   has one class or fewer than ``minimumRowsPerClass`` rows of either, a time is not a
    ///   timestamp, or no usable feature is left.
    public init(_ raw: RawTable, roles: ColumnRoles) throws(TrainingDataError) {
        func column(_ name: String, role: String) throws(TrainingDataError) -> [String] {
            guard let index = raw.columnIndex(named: name) else { throw .missingColumn(name, role: role) }
            return raw.columns[index]
        }
        for name in roles.types.keys.sorted() where raw.columnIndex(named: name) == nil { throw .unknownTypeOverride(column: name) }

        let targetCells = try column(roles.target, role: "target")
        let labels = try Self.labels(targetCells, column: roles.target, positive: roles.positive, lineNumbers: raw.lineNumbers)
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        if positives == 0 || negatives == 0 {
            throw .oneClass(column: roles.target, value: positives == 0 ? "negative" : "positive")
        }
        if min(positives, negatives) < Self.minimumRowsPerClass {
            throw .tooFewOfClass(column: roles.target, positives: positives, negatives: negatives, minimum: Self.minimumRowsPerClass)
        }

        let ids = try roles.id.map { name throws(TrainingDataError) in try column(name, role: "id") }
        let groups = try roles.group.map { name throws(TrainingDataError) in try column(name, role: "group") }
        var times: [Double]?
        if let name = roles.time {
            let cells = try column(name, role: "time")
            var values = [Double]()
            values.reserveCapacity(cells.count)
            for (row, cell) in cells.enumerated() {
                values.append(try Self.time(cell, line: raw.lineNumbers[row]))
            }
            times = values
        }
        var subgroups: [(name: String, values: [String])] = []
        for name in roles.subgroups { subgroups.append((name, try column(name, role: "subgroup"))) }

        var excluded = Set([roles.target] + roles.ignore)
        if let id = roles.id { excluded.insert(id) }
        if let group = roles.group { excluded.insert(group) }
        if let time = roles.time, !roles.timeAsFeature { excluded.insert(time) }
        var features: [FeatureColumn] = []
        var warnings: [String] = []
        var dropped: [String] = []
        for (index, name) in raw.header.enumerated() where !excluded.contains(name) {
            if name == roles.time, roles.timeAsFeature, let times { features.append(FeatureColumn(name: name, numbers: times)); continue }
            let cells = raw.columns[index]
            let kind = roles.types[name] ?? FeatureColumn.inferredKind(of: cells)
            let feature = FeatureColumn.parse(cells, name: name, kind: kind)
            if let reason = Self.unusable(feature) {
                warnings.append("dropped \"\(name)\": \(reason)")
                dropped.append(name)
                continue
            }
            features.append(feature)
        }
        if features.isEmpty { throw .noUsableFeatures(dropped: dropped) }
        self.init(labels: labels, features: features, ids: ids, groups: groups, times: times, subgroups: subgroups,
                  warnings: warnings, sourceSHA256: raw.sha256)
    }

    /// The same table restricted to `rows`, in that order.
    public func selecting(rows: [Int]) -> TrainingTable {
        TrainingTable(labels: rows.map { labels[$0] }, features: features.map { $0.selecting(rows: rows) },
                      ids: ids.map { ids in rows.map { ids[$0] } }, groups: groups.map { groups in rows.map { groups[$0] } },
                      times: times.map { times in rows.map { times[$0] } },
                      subgroups: subgroups.map { subgroup in (subgroup.name, rows.map { subgroup.values[$0] }) },
                      warnings: warnings, sourceSHA256: sourceSHA256)
    }

    /// Why a column cannot inform a model: all missing, or a single value throughout.
    static func unusable(_ column: FeatureColumn) -> String? {
        if column.kind == .categorical {
            var first: String?
            for value in column.categories {
                guard let value else { continue }
                if first == nil { first = value } else if value != first { return nil }
            }
            return first == nil ? "every value is missing" : "constant (every value is \"\(first!)\")"
        }
        var first: Double?
        for value in column.numbers where !value.isNaN {
            if first == nil { first = value } else if value != first { return nil }
        }
        return first == nil ? "every value is missing" : "constant (every value is \(first!))"
    }

    static func labels(_ cells: [String], column: String, positive: String?, lineNumbers: [Int]) throws(TrainingDataError) -> [Bool] {
        if let row = cells.firstIndex(where: { $0.isEmpty }) { throw .missingTarget(line: lineNumbers[row]) }
        var distinct: [String] = []
        for cell in cells where !distinct.contains(cell) {
            distinct.append(cell)
            if distinct.count > 8 { break }
        }
        if let positive {
            guard distinct.count <= 2 else { throw .nonBinaryTarget(column: column, values: distinct) }
            guard distinct.contains(positive) else { throw .positiveValueNotFound(column: column, value: positive, values: distinct) }
            return cells.map { $0 == positive }
        }
        var labels = [Bool]()
        labels.reserveCapacity(cells.count)
        for cell in cells {
            // 0/1 and true/false as everywhere in Vigil, and 1.0/0.0 as numeric exports write them.
            guard let label = CSVTable.binaryLabel(from: cell) ?? (cell == "1.0" ? true : cell == "0.0" ? false : nil) else {
                throw .nonBinaryTarget(column: column, values: distinct)
            }
            labels.append(label)
        }
        return labels
    }

    /// Unix seconds from a number or an RFC 3339 timestamp.
    static func time(_ cell: String, line: Int) throws(TrainingDataError) -> Double {
        if let seconds = Double(cell), seconds.isFinite { return seconds }
        do throws(RFC3339Timestamp.ParseError) {
            return try RFC3339Timestamp.unixSeconds(cell)
        } catch {
            throw .badTime(line: line, value: cell, reason: error.reason)
        }
    }
}
