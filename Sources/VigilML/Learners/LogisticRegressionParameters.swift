/// The settings of a logistic regression fit, with scikit-learn's meaning.
///
/// The fit minimizes `C · Σᵢ wᵢ · logloss(yᵢ, xᵢ·β + β₀) + R(β)`, with `R(β) = ½‖β‖²` (L2) or
/// `‖β‖₁` (L1), `C` = ``inverseRegularization`` and the intercept `β₀` not penalized: the
/// objective of `sklearn.linear_model.LogisticRegression` (`l1_ratio=0` / `l1_ratio=1`).
public struct LogisticRegressionParameters: Sendable, Equatable, Hashable, Codable {
    /// The penalty on the coefficients (never on the intercept).
    public enum Penalty: String, Sendable, Equatable, Hashable, Codable {
        /// Ridge, `½‖β‖²`: fitted by L-BFGS.
        case l2
        /// Lasso, `‖β‖₁`: fitted by OWL-QN; coefficients can be exactly zero.
        case l1
    }

    public var penalty: Penalty
    /// scikit-learn's `C`: the weight of the data term against the penalty; larger is weaker
    /// regularization. Must be positive and finite.
    public var inverseRegularization: Double
    /// The fit stops when the largest absolute component of the gradient of the objective
    /// divided by `C · Σᵢ wᵢ` (the mean log-loss plus the scaled penalty; for L1 the
    /// minimum-norm subgradient) is at most this: scikit-learn's `tol` for `solver="lbfgs"`.
    public var tolerance: Double
    /// The most quasi-Newton iterations (each one line search).
    public var maxIterations: Int
    /// Whether to fit an unpenalized intercept; without one the decision value is `x·β`.
    public var fitIntercept: Bool

    public init(
        penalty: Penalty = .l2,
        inverseRegularization: Double = 1.0,
        tolerance: Double = 1e-6,
        maxIterations: Int = 1000,
        fitIntercept: Bool = true
    ) {
        self.penalty = penalty
        self.inverseRegularization = inverseRegularization
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.fitIntercept = fitIntercept
    }

    private enum CodingKeys: String, CodingKey {
        case penalty, inverseRegularization, tolerance, maxIterations, fitIntercept
    }

    /// Decodes the settings, taking the default for each one that is absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = LogisticRegressionParameters()
        penalty = try container.decodeIfPresent(Penalty.self, forKey: .penalty) ?? defaults.penalty
        inverseRegularization = try container.decodeIfPresent(Double.self, forKey: .inverseRegularization) ?? defaults.inverseRegularization
        tolerance = try container.decodeIfPresent(Double.self, forKey: .tolerance) ?? defaults.tolerance
        maxIterations = try container.decodeIfPresent(Int.self, forKey: .maxIterations) ?? defaults.maxIterations
        fitIntercept = try container.decodeIfPresent(Bool.self, forKey: .fitIntercept) ?? defaults.fitIntercept
    }
}
