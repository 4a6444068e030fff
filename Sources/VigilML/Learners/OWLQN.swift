/// Orthant-wise limited-memory quasi-Newton (Andrew & Gao, "Scalable training of
/// L1-regularized log-linear models", ICML 2007): minimizes `f(x) + Σ_j λ_j·|x_j|` for a
/// smooth `f`, the L1 fit. Coefficients it sets to zero are exactly zero.
enum OWLQN {
    static let sufficientDecrease = 1e-4

    /// Minimizes `objective + Σ_j λ_j·|x_j|`, `λ` = `l1Strengths` over the first
    /// `l1Strengths.count` coordinates, until `measure(x, gradient)` (by default the largest
    /// absolute component of the minimum-norm subgradient) is at most `tolerance`,
    /// `maxIterations` line searches have run, or no step lowers the value.
    static func minimize(
        _ objective: some DifferentiableObjective,
        from start: [Double],
        l1Strengths: [Double],
        tolerance: Double,
        maxIterations: Int,
        memorySize: Int = 10,
        measure: ((_ x: [Double], _ gradient: [Double]) -> Double)? = nil
    ) -> MinimizationResult {
        let penalizedCount = l1Strengths.count
        func penalty(_ x: [Double]) -> Double {
            var sum = 0.0
            for j in 0..<penalizedCount { sum += l1Strengths[j] * abs(x[j]) }
            return sum
        }
        let measure = measure ?? { x, gradient in maxAbs(pseudoGradient(x, gradient, l1Strengths)) }
        var x = start
        var gradient = [Double](repeating: 0, count: objective.dimension)
        var value = objective.evaluate(x, gradient: &gradient) + penalty(x)
        var memory = QuasiNewtonMemory(capacity: memorySize)
        var iterations = 0
        var pseudo = pseudoGradient(x, gradient, l1Strengths)
        while measure(x, gradient) > tolerance && iterations < maxIterations {
            var direction = memory.direction(for: pseudo)
            // Keep only components that go downhill on the pseudo-gradient.
            for j in direction.indices where direction[j] * pseudo[j] >= 0 { direction[j] = 0 }
            var slope = dot(direction, pseudo)
            if !(slope < 0) {
                memory.clear()
                direction = pseudo.map { -$0 }
                slope = -dot(pseudo, pseudo)
            }
            // The orthant of the step: the sign of each nonzero coordinate, else that of the
            // descent direction.
            let orthant = (0..<x.count).map { j -> Double in
                guard j < penalizedCount else { return 0 }
                if x[j] != 0 { return x[j] > 0 ? 1 : -1 }
                return pseudo[j] < 0 ? 1 : (pseudo[j] > 0 ? -1 : 0)
            }
            iterations += 1
            var step = memory.isEmpty ? min(1, 1 / (-slope).squareRoot()) : 1
            var accepted: (x: [Double], value: Double, gradient: [Double])?
            var trialGradient = gradient
            for _ in 0..<60 {
                var trial = x
                axpy(step, direction, &trial)
                for j in 0..<penalizedCount where trial[j] * orthant[j] <= 0 { trial[j] = 0 }
                if trial == x { break }
                let trialValue = objective.evaluate(trial, gradient: &trialGradient) + penalty(trial)
                var decrease = 0.0
                for j in trial.indices { decrease += pseudo[j] * (trial[j] - x[j]) }
                if trialValue <= value + sufficientDecrease * decrease
                    || isStillDescending(from: x, to: trial, gradient: trialGradient, l1Strengths) {
                    accepted = (trial, trialValue, trialGradient)
                    break
                }
                step *= 0.5
            }
            guard let accepted else {
                if memory.isEmpty { break }
                memory.clear()
                continue
            }
            var change = accepted.gradient
            axpy(-1, gradient, &change)
            var stepTaken = accepted.x
            axpy(-1, x, &stepTaken)
            memory.remember(step: stepTaken, gradientChange: change)
            x = accepted.x
            value = accepted.value
            gradient = accepted.gradient
            pseudo = pseudoGradient(x, gradient, l1Strengths)
        }
        return MinimizationResult(x: x, value: value, iterations: iterations,
                                  converged: measure(x, gradient) <= tolerance)
    }

    /// Whether the objective still decreases on arriving at `trial` along the segment from
    /// `x`: its left derivative there is not positive. The objective is convex, so it is then
    /// no higher at `trial` than at `x`. Near the minimum the decrease is below the rounding
    /// of the value, but this derivative is still accurate, so the iterations can reach a
    /// tight tolerance.
    static func isStillDescending(from x: [Double], to trial: [Double], gradient: [Double],
                                  _ lambdas: [Double]) -> Bool {
        var derivative = 0.0
        for j in x.indices {
            let s = trial[j] - x[j]
            derivative += gradient[j] * s
            if j < lambdas.count {
                // d/dt |x + t·s| just before t = 1; a coordinate that lands on 0 was shrinking.
                derivative += lambdas[j] * (trial[j] > 0 ? s : (trial[j] < 0 ? -s : -abs(s)))
            }
        }
        return derivative <= 0
    }

    /// The minimum-norm subgradient of `f + Σ_j λ_j·|x_j|`: `g ± λ` off zero, and at zero the
    /// amount by which `|g|` exceeds `λ` (0 when zero is optimal for that coordinate).
    static func pseudoGradient(_ x: [Double], _ gradient: [Double], _ lambdas: [Double]) -> [Double] {
        var pseudo = gradient
        for (j, lambda) in lambdas.enumerated() {
            if x[j] > 0 {
                pseudo[j] = gradient[j] + lambda
            } else if x[j] < 0 {
                pseudo[j] = gradient[j] - lambda
            } else if gradient[j] + lambda < 0 {
                pseudo[j] = gradient[j] + lambda
            } else if gradient[j] - lambda > 0 {
                pseudo[j] = gradient[j] - lambda
            } else {
                pseudo[j] = 0
            }
        }
        return pseudo
    }
}
