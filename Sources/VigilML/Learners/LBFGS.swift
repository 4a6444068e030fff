/// Limited-memory BFGS with a strong Wolfe line search (Nocedal & Wright, Numerical
/// Optimization, 2nd ed., Algorithms 7.5, 3.5 and 3.6): the minimizer of the L2 fit.
enum LBFGS {
    /// The Wolfe constants: sufficient decrease `c1` and curvature `c2` (the usual quasi-Newton
    /// choices).
    static let sufficientDecrease = 1e-4
    static let curvature = 0.9

    /// Minimizes `objective` from `start` until `measure(x, gradient)` (by default the
    /// gradient's largest absolute component) is at most `tolerance`, `maxIterations` line
    /// searches have run, or no step can lower the value.
    static func minimize(
        _ objective: some DifferentiableObjective,
        from start: [Double],
        tolerance: Double,
        maxIterations: Int,
        memorySize: Int = 10,
        measure: (_ x: [Double], _ gradient: [Double]) -> Double = { maxAbs($1) }
    ) -> MinimizationResult {
        var x = start
        var gradient = [Double](repeating: 0, count: objective.dimension)
        var value = objective.evaluate(x, gradient: &gradient)
        var memory = QuasiNewtonMemory(capacity: memorySize)
        var iterations = 0
        while measure(x, gradient) > tolerance && iterations < maxIterations {
            var direction = memory.direction(for: gradient)
            var slope = dot(direction, gradient)
            if !(slope < 0) {
                memory.clear()
                direction = gradient.map { -$0 }
                slope = -dot(gradient, gradient)
            }
            // Without curvature information, a first step of unit length.
            let initialStep = memory.isEmpty ? min(1, 1 / (-slope).squareRoot()) : 1
            iterations += 1
            // A step too small to move any coordinate counts as a failed search.
            guard let accepted = lineSearch(objective, x: x, value: value, slope: slope,
                                            direction: direction, initialStep: initialStep),
                  accepted.x != x else {
                if memory.isEmpty { break }
                // The memory may be stale: retry once along the steepest descent.
                memory.clear()
                continue
            }
            var step = accepted.x
            axpy(-1, x, &step)
            var change = accepted.gradient
            axpy(-1, gradient, &change)
            memory.remember(step: step, gradientChange: change)
            x = accepted.x
            value = accepted.value
            gradient = accepted.gradient
        }
        return MinimizationResult(x: x, value: value, iterations: iterations,
                                  converged: measure(x, gradient) <= tolerance)
    }

    /// A point on the search line with its value, gradient and directional derivative.
    struct LinePoint {
        var step: Double
        var x: [Double]
        var value: Double
        var gradient: [Double]
        var slope: Double
    }

    /// A step along `direction` that satisfies the strong Wolfe conditions, or, failing that,
    /// the best step found that lowers the value; `nil` when no step lowers it.
    ///
    /// Near the minimum, value differences drown in rounding while the derivative stays
    /// accurate, so a step whose value is within `1e-12` (relative) of the start and that
    /// meets the curvature condition is also accepted (Hager & Zhang's approximate Wolfe
    /// conditions, 2005).
    static func lineSearch(
        _ objective: some DifferentiableObjective,
        x: [Double], value: Double, slope: Double, direction: [Double], initialStep: Double
    ) -> LinePoint? {
        let maxEvaluations = 40
        var evaluations = 0
        var gradient = [Double](repeating: 0, count: x.count)
        func evaluate(_ step: Double) -> LinePoint {
            evaluations += 1
            var point = x
            axpy(step, direction, &point)
            let trialValue = objective.evaluate(point, gradient: &gradient)
            return LinePoint(step: step, x: point, value: trialValue, gradient: gradient,
                             slope: dot(gradient, direction))
        }
        let noise = 1e-12 * max(abs(value), 1)
        func isSufficientDecrease(_ point: LinePoint) -> Bool {
            point.value <= value + sufficientDecrease * point.step * slope
        }
        func meetsCurvature(_ point: LinePoint) -> Bool {
            abs(point.slope) <= -curvature * slope
        }
        func isAcceptable(_ point: LinePoint) -> Bool {
            meetsCurvature(point) && (isSufficientDecrease(point) || point.value <= value + noise)
        }

        let start = LinePoint(step: 0, x: x, value: value, gradient: [], slope: slope)
        var previous = start
        var step = initialStep
        var low: LinePoint
        var high: LinePoint
        // Bracketing: grow the step until it overshoots the minimum along the line.
        while true {
            let trial = evaluate(step)
            if !trial.value.isFinite || !isSufficientDecrease(trial) || (previous.step > 0 && trial.value >= previous.value) {
                if isAcceptable(trial) { return trial }
                low = previous
                high = trial
                break
            }
            if meetsCurvature(trial) { return trial }
            if trial.slope >= 0 {
                low = trial
                high = previous
                break
            }
            if evaluations >= maxEvaluations { return trial }
            previous = trial
            step *= 4
        }
        // Zoom: shrink [low, high] (low always decreases the value and is the best so far).
        while evaluations < maxEvaluations {
            let trialStep = interpolate(low, high)
            if trialStep == low.step || trialStep == high.step { break }
            let trial = evaluate(trialStep)
            if isAcceptable(trial) { return trial }
            if !trial.value.isFinite || !isSufficientDecrease(trial) || trial.value >= low.value {
                high = trial
            } else {
                if trial.slope * (high.step - low.step) >= 0 { high = low }
                low = trial
            }
        }
        return low.step > 0 ? low : nil
    }

    /// The minimizer of the cubic through both ends' values and slopes, kept at least a tenth
    /// of the interval away from either end (bisection when the cubic gives nothing usable).
    static func interpolate(_ a: LinePoint, _ b: LinePoint) -> Double {
        let lower = min(a.step, b.step)
        let upper = max(a.step, b.step)
        let margin = 0.1 * (upper - lower)
        var candidate = 0.5 * (lower + upper)
        if a.value.isFinite && b.value.isFinite && b.slope.isFinite {
            let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step)
            let radicand = d1 * d1 - a.slope * b.slope
            if radicand >= 0 {
                let d2 = (b.step > a.step ? 1.0 : -1.0) * radicand.squareRoot()
                let cubic = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
                if cubic.isFinite { candidate = cubic }
            }
        }
        return min(max(candidate, lower + margin), upper - margin)
    }
}
