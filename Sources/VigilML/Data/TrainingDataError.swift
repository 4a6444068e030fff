/// Why a training table cannot be used, naming the cause. `vigil train` exits with 65
/// (`EX_DATAERR`) for every case.
public enum TrainingDataError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, line: Int, reason: String)
    case missingColumn(String, role: String)
    case missingTarget(line: Int)
    case nonBinaryTarget(column: String, values: [String])
    case positiveValueNotFound(column: String, value: String, values: [String])
    case oneClass(column: String, value: String)
    case tooFewOfClass(column: String, positives: Int, negatives: Int, minimum: Int)
    case noUsableFeatures(dropped: [String])
    case badTime(line: Int, value: String, reason: String)
    case unknownTypeOverride(column: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .malformed(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .missingColumn(let name, let role): "the \(role) column \"\(name)\" is not in the data"
        case .missingTarget(let line): "line \(line): the target is empty"
        case .nonBinaryTarget(let column, let values):
            "target \"\(column)\" is not binary: it has the values \(values.prefix(5).joined(separator: ", "))\(values.count > 5 ? ", …" : "") (use 0/1, true/false, or two values with --positive VALUE)"
        case .positiveValueNotFound(let column, let value, let values):
            "--positive \(value) is not a value of \"\(column)\" (its values: \(values.joined(separator: ", ")))"
        case .oneClass(let column, let value): "target \"\(column)\" has one class only (every row is \(value)): nothing to learn"
        case .tooFewOfClass(let column, let positives, let negatives, let minimum):
            "target \"\(column)\" has \(positives) positive and \(negatives) negative rows; each class needs at least \(minimum)"
        case .noUsableFeatures(let dropped):
            dropped.isEmpty ? "no feature columns are left after the target, id, group, time and ignored columns"
                : "no usable feature columns: every candidate is constant or missing (\(dropped.joined(separator: ", ")))"
        case .badTime(let line, let value, let reason): "line \(line): time \"\(value)\" is not an RFC 3339 timestamp or Unix seconds: \(reason)"
        case .unknownTypeOverride(let column): "--type names \"\(column)\", which is not a column of the data"
        }
    }
}
