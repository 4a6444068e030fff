/// A row-major matrix of doubles: the encoded feature table the linear learners fit on.
///
/// Missing values have been imputed before a matrix is built, so every entry is finite.
public struct DenseMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    /// `rowCount * columnCount` values, row after row.
    public var values: [Double]

    public init(rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(values.count == rowCount * columnCount, "a \(rowCount)x\(columnCount) matrix needs \(rowCount * columnCount) values")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    /// A matrix from its rows, which must all have the same length.
    public init(rows: [[Double]]) {
        let columnCount = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columnCount }, "rows of unequal length")
        self.init(rowCount: rows.count, columnCount: columnCount, values: rows.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columnCount + column] }
        set { values[row * columnCount + column] = newValue }
    }

    /// The values of one row.
    public func row(_ index: Int) -> ArraySlice<Double> {
        values[(index * columnCount)..<((index + 1) * columnCount)]
    }

    /// The matrix of the given rows, in the order given.
    public func selecting(rows indices: [Int]) -> DenseMatrix {
        var selected = [Double]()
        selected.reserveCapacity(indices.count * columnCount)
        for index in indices { selected.append(contentsOf: row(index)) }
        return DenseMatrix(rowCount: indices.count, columnCount: columnCount, values: selected)
    }
}
