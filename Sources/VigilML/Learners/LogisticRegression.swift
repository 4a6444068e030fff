#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Penalized logistic regression, fitted as scikit-learn's `LogisticRegression` defines it:
/// the linear learner of VigilML and the baseline every other learner must beat.
public enum LogisticRegression {
    /// Fits `P(outcome | x) = σ(x·β + β₀)` by minimizing
    /// `C · Σᵢ wᵢ · logloss_i + ½‖β‖²` (L2, by L-BFGS) or `C · Σᵢ wᵢ · logloss_i + ‖β‖₁`
    /// (L1, by OWL-QN), the intercept unpenalized (see ``LogisticRegressionParameters``).
    ///
    /// The fit starts from `β = 0` and `β₀` = the log-odds of the weighted outcome rate and
    /// iterates on standardized columns (``Standardization``: the same minimum, reached in far
    /// fewer iterations when columns differ in scale or sit far from zero). It is
    /// deterministic: the same input gives a bit-identical model. The L2 objective is strictly
    /// convex, so duplicated columns share their weight equally and separable data still gives
    /// finite coefficients; a model that did not reach the tolerance within
    /// `maxIterations` is returned with `converged == false` rather than thrown away.
    ///
    /// - Parameters:
    ///   - x: One row per example; every value finite.
    ///   - labels: The outcome of each row.
    ///   - weights: Optional non-negative sample weights (scikit-learn's `sample_weight`).
    ///   - parameters: Penalty, `C`, tolerance and iteration limit.
    /// - Throws: ``LogisticRegressionError`` on inconsistent or non-finite input, a single
    ///   class, or settings out of range.
    /// - Complexity: O(rows × columns) per objective evaluation; one evaluation per iteration
    ///   in most iterations.
    public static func fit(
        _ x: DenseMatrix,
        labels: [Bool],
        weights: [Double]? = nil,
        parameters: LogisticRegressionParameters = LogisticRegressionParameters()
    ) throws(LogisticRegressionError) -> LogisticRegressionModel {
        try validate(parameters)
        let totalWeight = try validate(x, labels: labels, weights: weights)

        let columns = x.columnCount
        let c = parameters.inverseRegularization
        let objective = LogisticObjective(
            matrix: x, labels: labels, weights: weights, totalWeight: totalWeight,
            ridge: parameters.penalty == .l2 ? 1 / (c * totalWeight) : 0,
            fitIntercept: parameters.fitIntercept)

        var start = [Double](repeating: 0, count: objective.dimension)
        if parameters.fitIntercept {
            var positiveWeight = 0.0
            for (i, label) in labels.enumerated() where label { positiveWeight += weights?[i] ?? 1 }
            start[columns] = log(positiveWeight / (totalWeight - positiveWeight))
        }

        // Iterate on standardized columns; judge convergence on the original gradient.
        let standardization = Standardization(
            matrix: x, weights: weights, totalWeight: totalWeight, hasIntercept: parameters.fitIntercept)
        let standardized = StandardizedObjective(inner: objective, standardization: standardization)
        let lambda = 1 / (c * totalWeight)
        let result = switch parameters.penalty {
        case .l2:
            LBFGS.minimize(
                standardized, from: standardization.standardized(start),
                tolerance: parameters.tolerance, maxIterations: parameters.maxIterations,
                measure: { _, gradient in maxAbs(standardization.originalGradient(gradient)) })
        case .l1:
            // λ·|βⱼ| = (λ / sⱼ)·|γⱼ|.
            OWLQN.minimize(
                standardized, from: standardization.standardized(start),
                l1Strengths: standardization.scales.map { lambda / $0 },
                tolerance: parameters.tolerance, maxIterations: parameters.maxIterations,
                measure: { theta, gradient in
                    maxAbs(OWLQN.pseudoGradient(
                        standardization.original(theta), standardization.originalGradient(gradient),
                        [Double](repeating: lambda, count: columns)))
                })
        }
        let solution = standardization.original(result.x)
        return LogisticRegressionModel(
            coefficients: Array(solution.prefix(columns)),
            intercept: parameters.fitIntercept ? solution[columns] : 0,
            iterations: result.iterations,
            converged: result.converged)
    }

    /// The value of scikit-learn's objective for `model` on the data:
    /// `C · Σᵢ wᵢ · logloss_i + ½‖β‖²` (L2) or `+ ‖β‖₁` (L1). Lets a caller compare fits.
    ///
    /// - Complexity: O(rows × columns).
    public static func objective(
        of model: LogisticRegressionModel,
        on x: DenseMatrix,
        labels: [Bool],
        weights: [Double]? = nil,
        parameters: LogisticRegressionParameters
    ) throws(LogisticRegressionError) -> Double {
        try validate(parameters)
        _ = try validate(x, labels: labels, weights: weights, requireBothClasses: false)
        guard model.coefficients.count == x.columnCount else {
            throw .invalidParameter("a model of \(model.coefficients.count) coefficients for \(x.columnCount) columns")
        }
        let decisions = model.decisionValues(of: x)
        var loss = 0.0
        for (i, z) in decisions.enumerated() {
            loss += (weights?[i] ?? 1) * LogisticObjective.lossAndResidual(z, labels[i]).loss
        }
        let penalty = switch parameters.penalty {
        case .l2: 0.5 * model.coefficients.reduce(0) { $0 + $1 * $1 }
        case .l1: model.coefficients.reduce(0) { $0 + abs($1) }
        }
        return parameters.inverseRegularization * loss + penalty
    }

    static func validate(_ parameters: LogisticRegressionParameters) throws(LogisticRegressionError) {
        let c = parameters.inverseRegularization
        guard c > 0, c.isFinite else {
            throw .invalidParameter("inverseRegularization (C) must be positive and finite, not \(c)")
        }
        guard parameters.tolerance >= 0, parameters.tolerance.isFinite else {
            throw .invalidParameter("tolerance must be a finite number >= 0, not \(parameters.tolerance)")
        }
        guard parameters.maxIterations >= 1 else {
            throw .invalidParameter("maxIterations must be at least 1, not \(parameters.maxIterations)")
        }
    }

    /// Checks shapes, finiteness, weights and classes; returns the total weight.
    static func validate(
        _ x: DenseMatrix, labels: [Bool], weights: [Double]?, requireBothClasses: Bool = true
    ) throws(LogisticRegressionError) -> Double {
        guard x.rowCount > 0 else { throw .noRows }
        guard labels.count == x.rowCount else {
            throw .labelCountMismatch(rows: x.rowCount, labels: labels.count)
        }
        if let index = x.values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteFeature(row: index / x.columnCount, column: index % x.columnCount)
        }
        var totalWeight = Double(x.rowCount)
        var hasPositive = false
        var hasNegative = false
        if let weights {
            guard weights.count == x.rowCount else {
                throw .weightCountMismatch(rows: x.rowCount, weights: weights.count)
            }
            totalWeight = 0
            for (i, weight) in weights.enumerated() {
                guard weight >= 0, weight.isFinite else { throw .invalidWeight(row: i, weight: weight) }
                totalWeight += weight
                if weight > 0 {
                    if labels[i] { hasPositive = true } else { hasNegative = true }
                }
            }
            guard totalWeight > 0 else { throw .zeroTotalWeight }
        } else {
            hasPositive = labels.contains(true)
            hasNegative = labels.contains(false)
        }
        if requireBothClasses && !(hasPositive && hasNegative) {
            throw .singleClass(positive: hasPositive)
        }
        return totalWeight
    }
}
