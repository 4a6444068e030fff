#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A smooth function the quasi-Newton minimizers can evaluate with its gradient.
protocol DifferentiableObjective {
    /// The number of parameters.
    var dimension: Int { get }
    /// The value at `x`, writing the gradient into `gradient` (of length ``dimension``).
    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double
}

/// The smooth part of the logistic regression objective, divided by `C · Σᵢ wᵢ` so that its
/// size does not grow with the data (scikit-learn's scaling for `lbfgs`):
///
///     F(β, β₀) = (1 / Σᵢ wᵢ) · Σᵢ wᵢ · [log(1 + exp(zᵢ)) − yᵢ·zᵢ] + (ridge / 2) · ‖β‖²,
///     zᵢ = xᵢ·β + β₀,
///
/// with `ridge = 1 / (C · Σᵢ wᵢ)` for L2 and 0 for L1 (whose penalty the minimizer handles).
/// The parameter vector is `β` followed by `β₀` when there is an intercept.
struct LogisticObjective: DifferentiableObjective {
    let matrix: DenseMatrix
    let labels: [Bool]
    /// The sample weights, or `nil` for all ones.
    let weights: [Double]?
    let totalWeight: Double
    let ridge: Double
    let fitIntercept: Bool

    var dimension: Int { matrix.columnCount + (fitIntercept ? 1 : 0) }

    /// - Complexity: One pass over the matrix, O(rows × columns), allocating nothing per row.
    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        let rows = matrix.rowCount
        let columns = matrix.columnCount
        let intercept = fitIntercept ? x[columns] : 0
        for j in gradient.indices { gradient[j] = 0 }
        var loss = 0.0
        var interceptGradient = 0.0
        matrix.values.withUnsafeBufferPointer { values in
            x.withUnsafeBufferPointer { parameters in
                gradient.withUnsafeMutableBufferPointer { gradientBuffer in
                    guard let base = values.baseAddress, let beta = parameters.baseAddress,
                          let g = gradientBuffer.baseAddress else {
                        // No columns: only the intercept acts.
                        for i in 0..<rows {
                            let weight = weights?[i] ?? 1
                            let (rowLoss, residual) = Self.lossAndResidual(intercept, labels[i])
                            loss += weight * rowLoss
                            interceptGradient += weight * residual
                        }
                        return
                    }
                    for i in 0..<rows {
                        let weight = weights?[i] ?? 1
                        if weight == 0 { continue }
                        let row = base + i * columns
                        let z = dot(row, beta, count: columns) + intercept
                        let (rowLoss, residual) = Self.lossAndResidual(z, labels[i])
                        loss += weight * rowLoss
                        let scaledResidual = weight * residual
                        interceptGradient += scaledResidual
                        addScaled(scaledResidual, row, to: g, count: columns)
                    }
                }
            }
        }
        let scale = 1 / totalWeight
        var penalty = 0.0
        for j in 0..<columns {
            gradient[j] = gradient[j] * scale + ridge * x[j]
            penalty += x[j] * x[j]
        }
        if fitIntercept { gradient[columns] = interceptGradient * scale }
        return loss * scale + 0.5 * ridge * penalty
    }

    /// The log-loss of one row and its derivative in `z`, `σ(z) − y`, sharing one `exp`.
    @inline(__always)
    static func lossAndResidual(_ z: Double, _ label: Bool) -> (loss: Double, residual: Double) {
        let e = exp(-abs(z))
        let softplusOfAbs = log1p(e)
        // σ(z) and 1 − σ(z), both without cancellation.
        let upper = 1 / (1 + e)
        let lower = e / (1 + e)
        let probability = z >= 0 ? upper : lower
        let complement = z >= 0 ? lower : upper
        if label {
            // log(1 + exp(−z)).
            return (max(-z, 0) + softplusOfAbs, -complement)
        }
        return (max(z, 0) + softplusOfAbs, probability)
    }
}
