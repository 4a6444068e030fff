/// A fitted logistic regression: `P(outcome) = σ(x·β + β₀)`.
public struct LogisticRegressionModel: Sendable, Equatable, Codable {
    /// `β`, one per column of the matrix the model was fitted on.
    public var coefficients: [Double]
    /// `β₀`; 0 when fitted without an intercept.
    public var intercept: Double
    /// The quasi-Newton iterations the fit took.
    public var iterations: Int
    /// Whether the fit met its tolerance (see ``LogisticRegressionParameters/tolerance``) or
    /// stopped because no step could lower the objective in double precision.
    public var converged: Bool

    public init(coefficients: [Double], intercept: Double, iterations: Int, converged: Bool) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.iterations = iterations
        self.converged = converged
    }

    /// The log-odds `x·β + β₀` of one row (scikit-learn's `decision_function`).
    public func decisionValue(_ row: some Collection<Double>) -> Double {
        precondition(row.count == coefficients.count, "a row of \(row.count) values for \(coefficients.count) coefficients")
        return dot(row, coefficients) + intercept
    }

    /// The predicted probability of the outcome for one row, `σ(x·β + β₀)`, computed without
    /// overflow for any decision value.
    public func probability(_ row: some Collection<Double>) -> Double {
        sigmoid(decisionValue(row))
    }

    /// The decision values of every row of `matrix`.
    ///
    /// - Complexity: O(rows × columns).
    public func decisionValues(of matrix: DenseMatrix) -> [Double] {
        precondition(matrix.columnCount == coefficients.count, "a matrix of \(matrix.columnCount) columns for \(coefficients.count) coefficients")
        let columns = matrix.columnCount
        return matrix.values.withUnsafeBufferPointer { values in
            coefficients.withUnsafeBufferPointer { beta in
                (0..<matrix.rowCount).map { row in
                    guard let base = values.baseAddress, let coefficients = beta.baseAddress else { return intercept }
                    return dot(base + row * columns, coefficients, count: columns) + intercept
                }
            }
        }
    }

    /// The predicted probabilities of every row of `matrix`.
    ///
    /// - Complexity: O(rows × columns).
    public func probabilities(of matrix: DenseMatrix) -> [Double] {
        decisionValues(of: matrix).map(sigmoid)
    }
}
