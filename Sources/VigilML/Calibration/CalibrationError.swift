/// Why a calibrator cannot be fitted on the given scores.
public enum CalibrationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No scores (or none with positive weight) to fit on.
    case noScores
    /// The numbers of scores and labels differ.
    case countMismatch(scores: Int, labels: Int)
    /// The numbers of scores and sample weights differ.
    case weightCountMismatch(scores: Int, weights: Int)
    /// The score at `index` (0-based) is NaN or infinite.
    case nonFiniteScore(index: Int)
    /// The sample weight at `index` (0-based) is negative, NaN or infinite.
    case invalidWeight(index: Int, weight: Double)

    public var description: String {
        switch self {
        case .noScores: "no scores with positive weight to calibrate on"
        case .countMismatch(let scores, let labels): "\(scores) scores but \(labels) labels"
        case .weightCountMismatch(let scores, let weights): "\(scores) scores but \(weights) sample weights"
        case .nonFiniteScore(let index): "score \(index + 1) is not a finite number"
        case .invalidWeight(let index, let weight): "sample weight \(weight) of score \(index + 1) is not a finite non-negative number"
        }
    }

    /// Checks that scores, labels and optional weights line up and are usable.
    static func validate(scores: [Double], labels: [Bool], weights: [Double]?) throws(CalibrationError) {
        guard scores.count == labels.count else {
            throw .countMismatch(scores: scores.count, labels: labels.count)
        }
        if let index = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: index) }
        if let weights {
            guard weights.count == scores.count else {
                throw .weightCountMismatch(scores: scores.count, weights: weights.count)
            }
            if let index = weights.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw .invalidWeight(index: index, weight: weights[index])
            }
        }
    }
}
