#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Platt scaling: maps a score `f` to `1 / (1 + exp(a·f + b))`, fitted as scikit-learn's
/// `_SigmoidCalibration` (`CalibratedClassifierCV(method="sigmoid")`) fits it.
///
/// The sign convention is scikit-learn's (and Platt's): a useful score has a *negative* `a`.
/// The score can be any real number; Vigil passes the model's decision value (the log-odds,
/// `LogisticRegressionModel.decisionValue`), as `CalibratedClassifierCV` does for estimators
/// with a `decision_function`. A probability works too, but then the map is a sigmoid of a
/// probability, not of a logit, and cannot bend the ends of the scale as freely.
public struct PlattCalibrator: Sendable, Equatable, Codable {
    public var a: Double
    public var b: Double

    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    /// The calibrated probability `1 / (1 + exp(a·score + b))`, without overflow.
    public func calibrated(_ score: Double) -> Double {
        sigmoid(-(a * score + b))
    }

    /// Fits `a` and `b` as scikit-learn's `_sigmoid_calibration` does (Platt 1999, §2.2):
    ///
    /// - targets are smoothed with prior counts: `(N₊ + 1) / (N₊ + 2)` for positives and
    ///   `1 / (N₋ + 2)` for negatives, `N` the (weighted) class counts;
    /// - the weighted log-loss of `σ(−(a·f + b))` against those targets is minimized from
    ///   `a = 0, b = log((N₋ + 1) / (N₊ + 1))`;
    /// - when `max |f| ≥ 30`, `f` is divided by `max |f|` for the fit and `a` scaled back.
    ///
    /// scikit-learn stops L-BFGS-B at a gradient of 1e-6; this fit runs Newton's method to
    /// the exact minimum, which scikit-learn's answer approaches within its tolerance. The
    /// smoothed targets keep the minimum finite even for separable scores or one class.
    /// When all scores are equal, only `a·f + b` is determined, and (like scikit-learn, whose
    /// steps all lie along `(f, 1)`) the answer is the minimum on the line through the start.
    ///
    /// - Throws: ``CalibrationError`` for mismatched lengths, non-finite scores or invalid
    ///   weights.
    /// - Complexity: O(n) per Newton iteration; a handful of iterations.
    public static func fit(scores: [Double], labels: [Bool], weights: [Double]? = nil) throws(CalibrationError) -> PlattCalibrator {
        try CalibrationError.validate(scores: scores, labels: labels, weights: weights)
        let largest = scores.reduce(0) { max($0, abs($1)) }
        let scale = largest >= 30 ? largest : 1
        let f = scale == 1 ? scores : scores.map { $0 / scale }

        var negatives = 0.0
        var positives = 0.0
        for (i, label) in labels.enumerated() {
            let weight = weights?[i] ?? 1
            if label { positives += weight } else { negatives += weight }
        }
        let positiveTarget = (positives + 1) / (positives + 2)
        let negativeTarget = 1 / (negatives + 2)
        let loss = SmoothedLogLoss(
            f: f, targets: labels.map { $0 ? positiveTarget : negativeTarget }, weights: weights)

        var ab = (0.0, log((negatives + 1) / (positives + 1)))
        var current = loss.evaluate(ab)
        for _ in 0..<100 {
            guard let step = newtonStep(gradient: current.gradient, hessian: current.hessian) else { break }
            let size = max(abs(step.0), abs(step.1))
            if size <= 1e-15 * max(1, abs(ab.0), abs(ab.1)) { break }
            // Backtrack until the loss falls enough (Newton's full step almost always does).
            // Near the minimum the change drowns in rounding; the full step is then taken as
            // long as the loss does not visibly rise.
            let descent = current.gradient.0 * step.0 + current.gradient.1 * step.1
            let noise = 1e-13 * abs(current.value)
            var t = 1.0
            var accepted: (ab: (Double, Double), evaluation: SmoothedLogLoss.Evaluation)?
            for _ in 0..<60 {
                let trial = (ab.0 + t * step.0, ab.1 + t * step.1)
                let evaluation = loss.evaluate(trial)
                if evaluation.value <= current.value + 1e-4 * t * descent
                    || (t == 1 && evaluation.value <= current.value + noise) {
                    accepted = (trial, evaluation)
                    break
                }
                t *= 0.5
            }
            guard let accepted else { break }
            ab = accepted.ab
            current = accepted.evaluation
        }
        return PlattCalibrator(a: ab.0 / scale, b: ab.1)
    }

    /// `−H⁺·g` for the 2×2 Hessian `H`: its inverse when it is well conditioned, else the
    /// pseudo-inverse of its rank-one part (all scores equal); `nil` when `H` vanishes.
    static func newtonStep(gradient g: (Double, Double), hessian h: (Double, Double, Double)) -> (Double, Double)? {
        let (h11, h12, h22) = h
        let determinant = h11 * h22 - h12 * h12
        if determinant > 1e-10 * h11 * h22 {
            return (-(h22 * g.0 - h12 * g.1) / determinant, -(h11 * g.1 - h12 * g.0) / determinant)
        }
        // Rank one: H ≈ λ·u·uᵀ with u the unit direction of its larger column.
        let trace = h11 + h22
        guard trace > 0 else { return nil }
        var u = h11 >= h22 ? (h11, h12) : (h12, h22)
        let norm = (u.0 * u.0 + u.1 * u.1).squareRoot()
        u = (u.0 / norm, u.1 / norm)
        let projection = (u.0 * g.0 + u.1 * g.1) / trace
        return (-u.0 * projection, -u.1 * projection)
    }
}

/// The weighted log-loss of Platt's model against smoothed targets, with its gradient and
/// Hessian in `(a, b)`: `Σᵢ wᵢ [log(1 + exp(rᵢ)) − tᵢ·rᵢ]`, `rᵢ = −(a·fᵢ + b)`.
struct SmoothedLogLoss {
    let f: [Double]
    let targets: [Double]
    let weights: [Double]?

    struct Evaluation {
        var value: Double
        var gradient: (Double, Double)
        /// `(∂²/∂a², ∂²/∂a∂b, ∂²/∂b²)`.
        var hessian: (Double, Double, Double)
    }

    func evaluate(_ ab: (Double, Double)) -> Evaluation {
        var value = 0.0
        var ga = 0.0, gb = 0.0
        var haa = 0.0, hab = 0.0, hbb = 0.0
        for i in f.indices {
            let weight = weights?[i] ?? 1
            let r = -(ab.0 * f[i] + ab.1)
            let p = sigmoid(r)
            value += weight * (logOnePlusExp(r) - targets[i] * r)
            // d/dr = p − t, and dr/da = −f, dr/db = −1.
            let residual = weight * (p - targets[i])
            ga -= residual * f[i]
            gb -= residual
            let curvature = weight * p * (1 - p)
            haa += curvature * f[i] * f[i]
            hab += curvature * f[i]
            hbb += curvature
        }
        return Evaluation(value: value, gradient: (ga, gb), hessian: (haa, hab, hbb))
    }
}
