/// Why a logistic regression cannot be fitted on the given data or settings.
public enum LogisticRegressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The matrix has no rows.
    case noRows
    /// The numbers of matrix rows and labels differ.
    case labelCountMismatch(rows: Int, labels: Int)
    /// The numbers of matrix rows and sample weights differ.
    case weightCountMismatch(rows: Int, weights: Int)
    /// The feature at `row`, `column` (0-based) is NaN or infinite.
    case nonFiniteFeature(row: Int, column: Int)
    /// The sample weight of `row` (0-based) is negative, NaN or infinite.
    case invalidWeight(row: Int, weight: Double)
    /// Every sample weight is zero.
    case zeroTotalWeight
    /// All rows with positive weight have the same label (`positive` tells which), so the
    /// model has nothing to separate.
    case singleClass(positive: Bool)
    /// A setting is out of its range; the text names it and the range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .noRows:
            "cannot fit a logistic regression on no rows"
        case .labelCountMismatch(let rows, let labels):
            "\(rows) rows but \(labels) labels"
        case .weightCountMismatch(let rows, let weights):
            "\(rows) rows but \(weights) sample weights"
        case .nonFiniteFeature(let row, let column):
            "feature \(column + 1) of row \(row + 1) is not a finite number"
        case .invalidWeight(let row, let weight):
            "sample weight \(weight) of row \(row + 1) is not a finite non-negative number"
        case .zeroTotalWeight:
            "all sample weights are zero"
        case .singleClass(let positive):
            "only \(positive ? "positive" : "negative") outcomes: a logistic regression needs both classes"
        case .invalidParameter(let message):
            message
        }
    }
}
