/// The last few curvature pairs of a limited-memory BFGS method, and the two-loop recursion
/// that turns a gradient into a search direction (Nocedal & Wright, Numerical Optimization,
/// 2nd ed., Algorithm 7.4).
struct QuasiNewtonMemory {
    let capacity: Int
    private var steps: [[Double]] = []
    private var gradientChanges: [[Double]] = []
    private var inverseCurvatures: [Double] = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isEmpty: Bool { steps.isEmpty }

    mutating func clear() {
        steps.removeAll(keepingCapacity: true)
        gradientChanges.removeAll(keepingCapacity: true)
        inverseCurvatures.removeAll(keepingCapacity: true)
    }

    /// Remembers the step `s = x₊ − x` and gradient change `y = g₊ − g`, unless `s·y` is not
    /// clearly positive (the pair would make the inverse Hessian estimate indefinite).
    mutating func remember(step: [Double], gradientChange: [Double]) {
        let curvature = dot(step, gradientChange)
        let changeNorm = dot(gradientChange, gradientChange)
        guard curvature > 1e-12 * changeNorm.squareRoot() * dot(step, step).squareRoot(),
              curvature.isFinite else { return }
        if steps.count == capacity {
            steps.removeFirst()
            gradientChanges.removeFirst()
            inverseCurvatures.removeFirst()
        }
        steps.append(step)
        gradientChanges.append(gradientChange)
        inverseCurvatures.append(1 / curvature)
    }

    /// `−H·g`, with `H` the limited-memory inverse Hessian estimate scaled by `s·y / y·y` of
    /// the newest pair (the identity when the memory is empty).
    func direction(for gradient: [Double]) -> [Double] {
        var q = gradient
        let count = steps.count
        var alphas = [Double](repeating: 0, count: count)
        for k in stride(from: count - 1, through: 0, by: -1) {
            let alpha = inverseCurvatures[k] * dot(steps[k], q)
            alphas[k] = alpha
            axpy(-alpha, gradientChanges[k], &q)
        }
        if let newestStep = steps.last, let newestChange = gradientChanges.last {
            let gamma = dot(newestStep, newestChange) / dot(newestChange, newestChange)
            for j in q.indices { q[j] *= gamma }
        }
        for k in 0..<count {
            let beta = inverseCurvatures[k] * dot(gradientChanges[k], q)
            axpy(alphas[k] - beta, steps[k], &q)
        }
        for j in q.indices { q[j] = -q[j] }
        return q
    }
}

/// `y += alpha · x` for two short vectors of equal length.
func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for j in y.indices { y[j] += alpha * x[j] }
}

/// The largest absolute value of a vector (0 for an empty one).
func maxAbs(_ x: [Double]) -> Double {
    x.reduce(0) { max($0, abs($1)) }
}

/// The result of a quasi-Newton minimization.
struct MinimizationResult {
    var x: [Double]
    var value: Double
    var iterations: Int
    /// Whether the (pseudo-)gradient's largest absolute component reached the tolerance.
    var converged: Bool
}
