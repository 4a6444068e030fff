/// The change of variables that fits a linear model on centred, unit-variance columns while
/// keeping the optimization problem unchanged.
///
/// Quasi-Newton methods slow to a crawl on columns of very different scales or far from zero
/// (an age in years next to a 0/1 flag), because the Hessian is then badly conditioned. With
/// `x̃ⱼ = (xⱼ − μⱼ) / sⱼ` and parameters `γ` (coefficients) and `c` (intercept), the original ones
/// are `βⱼ = γⱼ / sⱼ` and `β₀ = c − Σⱼ μⱼ·γⱼ / sⱼ`: the same linear predictor, so the same
/// objective (penalties are still applied to `β`). glmnet fits in the same way.
struct Standardization {
    /// `μⱼ`: the weighted column means when there is an intercept to absorb them, else 0.
    let means: [Double]
    /// `sⱼ`: the weighted standard deviations (root mean squares without an intercept), 1 for
    /// columns without spread. Any `μ` and positive `s` give the same fit; these make it fast.
    let scales: [Double]
    let hasIntercept: Bool

    /// The column statistics of `matrix` under the sample weights.
    ///
    /// - Complexity: Two passes over the matrix.
    init(matrix: DenseMatrix, weights: [Double]?, totalWeight: Double, hasIntercept: Bool) {
        let rows = matrix.rowCount
        let columns = matrix.columnCount
        var means = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        matrix.values.withUnsafeBufferPointer { values in
            means.withUnsafeMutableBufferPointer { meanBuffer in
                squares.withUnsafeMutableBufferPointer { squareBuffer in
                    guard let base = values.baseAddress, let mean = meanBuffer.baseAddress,
                          let square = squareBuffer.baseAddress else { return }
                    if hasIntercept {
                        for i in 0..<rows {
                            let weight = weights?[i] ?? 1
                            if weight != 0 { addScaled(weight, base + i * columns, to: mean, count: columns) }
                        }
                        for j in 0..<columns { mean[j] /= totalWeight }
                    }
                    for i in 0..<rows {
                        let weight = weights?[i] ?? 1
                        if weight == 0 { continue }
                        let row = base + i * columns
                        for j in 0..<columns {
                            let deviation = row[j] - mean[j]
                            square[j] += weight * deviation * deviation
                        }
                    }
                }
            }
        }
        var scales = [Double](repeating: 1, count: columns)
        for j in 0..<columns {
            let spread = (squares[j] / totalWeight).squareRoot()
            // A column without spread (constant, or numerically so) is only centred: with an
            // intercept it becomes zero, leaving its coefficient to the penalty alone.
            if spread > 1e-10 * max(abs(means[j]), 1) && spread.isFinite { scales[j] = spread }
        }
        self.means = means
        self.scales = scales
        self.hasIntercept = hasIntercept
    }

    var columnCount: Int { scales.count }

    /// `(β, β₀)` from `(γ, c)`.
    func original(_ standardized: [Double]) -> [Double] {
        var x = standardized
        var shift = 0.0
        for j in 0..<columnCount {
            x[j] = standardized[j] / scales[j]
            shift += means[j] * x[j]
        }
        if hasIntercept { x[columnCount] = standardized[columnCount] - shift }
        return x
    }

    /// `(γ, c)` from `(β, β₀)`.
    func standardized(_ original: [Double]) -> [Double] {
        var theta = original
        var shift = 0.0
        for j in 0..<columnCount {
            theta[j] = original[j] * scales[j]
            shift += means[j] * original[j]
        }
        if hasIntercept { theta[columnCount] = original[columnCount] + shift }
        return theta
    }

    /// The gradient in `(γ, c)` from the gradient in `(β, β₀)` (the chain rule).
    func standardizedGradient(_ gradient: [Double]) -> [Double] {
        var result = gradient
        let interceptGradient = hasIntercept ? gradient[columnCount] : 0
        for j in 0..<columnCount {
            result[j] = (gradient[j] - means[j] * interceptGradient) / scales[j]
        }
        return result
    }

    /// The gradient in `(β, β₀)` from the gradient in `(γ, c)`.
    func originalGradient(_ gradient: [Double]) -> [Double] {
        var result = gradient
        let interceptGradient = hasIntercept ? gradient[columnCount] : 0
        for j in 0..<columnCount {
            result[j] = gradient[j] * scales[j] + means[j] * interceptGradient
        }
        return result
    }
}

/// An objective in `(β, β₀)` seen through a ``Standardization``, as a function of `(γ, c)`.
struct StandardizedObjective<Inner: DifferentiableObjective>: DifferentiableObjective {
    let inner: Inner
    let standardization: Standardization

    var dimension: Int { inner.dimension }

    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        var originalGradient = [Double](repeating: 0, count: dimension)
        let value = inner.evaluate(standardization.original(x), gradient: &originalGradient)
        gradient = standardization.standardizedGradient(originalGradient)
        return value
    }
}
