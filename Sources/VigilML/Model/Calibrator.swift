import VigilStats

/// The calibration a model applies to its learner's probability: Platt scaling of the
/// log-odds, or an isotonic step function of the probability.
public enum Calibrator: Sendable, Equatable, Codable {
    case none
    case platt(PlattCalibrator)
    case isotonic(IsotonicCalibrator)

    public var method: String {
        switch self {
        case .none: "none"
        case .platt: "platt"
        case .isotonic: "isotonic"
        }
    }

    public func calibrated(_ probability: Double) -> Double {
        switch self {
        case .none: probability
        case .platt(let platt): platt.calibrated(Logistic.logit(probability))
        case .isotonic(let isotonic): isotonic.calibrated(probability)
        }
    }

    /// Fits `method` ("platt" or "isotonic") on out-of-sample probabilities.
    static func fit(method: String, probabilities: [Double], labels: [Bool]) throws(CalibrationError) -> Calibrator {
        method == "platt"
            ? .platt(try PlattCalibrator.fit(scores: probabilities.map(Logistic.logit), labels: labels))
            : .isotonic(try IsotonicCalibrator.fit(scores: probabilities, labels: labels))
    }
}

/// The choice between Platt and isotonic calibration, made on out-of-sample predictions.
public struct CalibrationChoice: Sendable {
    public var calibrator: Calibrator
    /// Each row's calibrated probability from a calibrator fitted without that row.
    public var crossFitted: [Double]
    /// Cross-fitted log-loss per method, and uncalibrated.
    public var logLoss: [String: Double]

    /// Cross-fits both calibrators over 5 stratified folds of the rows, keeps the one with the
    /// lower log-loss, and refits it on all rows.
    static func choose(probabilities: [Double], labels: [Bool], random: inout SeededGenerator) -> CalibrationChoice {
        let folds = Folds.stratified(labels: labels, folds: 5, random: &random)
        var results: [String: [Double]] = [:]
        var losses: [String: Double] = ["none": ScoringRules.logLoss(labels: labels, scores: probabilities).value ?? .infinity]
        for method in ["platt", "isotonic"] {
            var predictions = probabilities
            var failed = false
            for fold in 0..<5 {
                let inside = labels.indices.filter { folds[$0] != fold }
                do {
                    let calibrator = try Calibrator.fit(method: method, probabilities: inside.map { probabilities[$0] }, labels: inside.map { labels[$0] })
                    for row in labels.indices where folds[row] == fold { predictions[row] = calibrator.calibrated(probabilities[row]) }
                } catch {
                    failed = true
                }
            }
            if failed { continue }
            results[method] = predictions
            losses[method] = ScoringRules.logLoss(labels: labels, scores: predictions).value ?? .infinity
        }
        let method = ["platt", "isotonic"].filter { results[$0] != nil }.min { losses[$0]! < losses[$1]! }
        guard let method, let calibrator = try? Calibrator.fit(method: method, probabilities: probabilities, labels: labels) else {
            return CalibrationChoice(calibrator: .none, crossFitted: probabilities, logLoss: losses)
        }
        return CalibrationChoice(calibrator: calibrator, crossFitted: results[method]!, logLoss: losses)
    }
}
