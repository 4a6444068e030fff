import VigilStats

/// How a feature is read: as a number, as a category, or as true/false (stored as 1/0).
public enum FeatureKind: String, Sendable, Equatable, Codable, CaseIterable {
    case numeric
    case categorical
    case boolean
}

/// One typed input column of a training table.
public struct FeatureColumn: Sendable, Equatable {
    public var name: String
    public var kind: FeatureKind
    /// Numeric and boolean values (true = 1), NaN when missing; empty for a categorical column.
    public var numbers: [Double]
    /// Category values, nil when missing; empty for numeric and boolean columns.
    public var categories: [String?]

    public init(name: String, numbers: [Double], kind: FeatureKind = .numeric) {
        self.name = name
        self.kind = kind
        self.numbers = numbers
        self.categories = []
    }

    public init(name: String, categories: [String?]) {
        self.name = name
        self.kind = .categorical
        self.numbers = []
        self.categories = categories
    }

    public var rowCount: Int { kind == .categorical ? categories.count : numbers.count }

    /// Whether the value in `row` is missing.
    public func isMissing(_ row: Int) -> Bool {
        kind == .categorical ? categories[row] == nil : numbers[row].isNaN
    }

    /// The same column restricted to `rows`, in that order.
    public func selecting(rows: [Int]) -> FeatureColumn {
        var copy = self
        if kind == .categorical { copy.categories = rows.map { categories[$0] } } else { copy.numbers = rows.map { numbers[$0] } }
        return copy
    }

    /// Reads cells as this kind. Numbers: empty, `nan` and infinities are missing. Booleans:
    /// `true`/`false`, `1`/`0` (any case). Categories: the text, empty is missing.
    public static func parse(_ cells: [String], name: String, kind: FeatureKind) -> FeatureColumn {
        switch kind {
        case .numeric:
            return FeatureColumn(name: name, numbers: cells.map { cell in
                guard let value = Double(cell), value.isFinite else { return .nan }
                return value
            })
        case .boolean:
            return FeatureColumn(name: name, numbers: cells.map { cell in
                CSVTable.binaryLabel(from: cell).map { $0 ? 1 : 0 } ?? .nan
            }, kind: .boolean)
        case .categorical:
            return FeatureColumn(name: name, categories: cells.map { $0.isEmpty ? nil : $0 })
        }
    }

    /// The kind a column's cells suggest: boolean when every value is true/false, numeric when
    /// every value is a number (including nan and inf), categorical otherwise.
    static func inferredKind(of cells: [String]) -> FeatureKind {
        var allBoolean = true
        var allNumeric = true
        var sawValue = false
        for cell in cells where !cell.isEmpty {
            sawValue = true
            if allBoolean {
                let lowered = cell.lowercased()
                if lowered != "true" && lowered != "false" { allBoolean = false }
            }
            if allNumeric && Double(cell) == nil { allNumeric = false }
            if !allBoolean && !allNumeric { return .categorical }
        }
        if sawValue && allBoolean { return .boolean }
        return allNumeric ? .numeric : .categorical
    }
}
