import Foundation
import Testing
import VigilStats
import VigilTestSupport
@testable import VigilML

/// Platt and isotonic calibration against scikit-learn (`Fixtures/calibration.json`), and their
/// purpose: turning miscalibrated scores into calibrated probabilities.
@Suite struct CalibrationTests {
    nonisolated(unsafe) static let platt = Fixture.records("calibration.json", "platt")
    nonisolated(unsafe) static let isotonic = Fixture.records("calibration.json", "isotonic")

    @Test("the fixtures cover Platt and isotonic cases")
    func fixturesArePresent() {
        #expect(Self.platt.count >= 6)
        #expect(Self.isotonic.count >= 6)
    }

    // MARK: Platt

    @Test("Platt's a and b agree with scikit-learn's _SigmoidCalibration within 1e-6", arguments: platt.indices)
    func plattMatchesScikitLearn(index: Int) throws {
        let record = Self.platt[index]
        let name = record["name"] as? String ?? ""
        let calibrator = try PlattCalibrator.fit(scores: doubles(record["scores"]), labels: labels(record["labels"]),
                                                 weights: optionalDoubles(record["weights"]))
        #expect(abs(calibrator.a - double(record["a"])) <= 1e-6, "\(name): a = \(calibrator.a)")
        #expect(abs(calibrator.b - double(record["b"])) <= 1e-6, "\(name): b = \(calibrator.b)")
        // Newton's method reaches the exact minimum, which scikit-learn's L-BFGS-B approaches.
        #expect(abs(calibrator.a - double(record["a_exact"])) <= 1e-10 * max(1, abs(calibrator.a)), "\(name)")
        #expect(abs(calibrator.b - double(record["b_exact"])) <= 1e-10 * max(1, abs(calibrator.b)), "\(name)")
        for (score, expected) in zip(doubles(record["test"]), doubles(record["predictions"])) {
            #expect(abs(calibrator.calibrated(score) - expected) <= 1e-6, "\(name): f = \(score)")
        }
    }

    @Test("Platt's sign convention: a useful score gets a negative a")
    func plattSign() throws {
        let calibrator = try PlattCalibrator.fit(scores: [-2, -1, 0, 1, 2, -1.5, 0.5, 1.5], labels: [false, false, true, true, true, false, false, true])
        #expect(calibrator.a < 0)
        #expect(calibrator.calibrated(3) > calibrator.calibrated(-3))
        #expect(PlattCalibrator(a: -1, b: 0).calibrated(1e6) == 1)
        #expect(PlattCalibrator(a: -1, b: 0).calibrated(-1e6) == 0)
    }

    // MARK: Isotonic

    @Test("isotonic thresholds and predictions agree with scikit-learn's IsotonicRegression within 1e-12", arguments: isotonic.indices)
    func isotonicMatchesScikitLearn(index: Int) throws {
        let record = Self.isotonic[index]
        let name = record["name"] as? String ?? ""
        let calibrator = try IsotonicCalibrator.fit(scores: doubles(record["scores"]), labels: labels(record["labels"]),
                                                    weights: optionalDoubles(record["weights"]))
        #expect(calibrator.thresholds == doubles(record["x_thresholds"]), "\(name)")
        let values = doubles(record["y_thresholds"])
        #expect(calibrator.values.count == values.count, "\(name)")
        for (actual, expected) in zip(calibrator.values, values) {
            #expect(abs(actual - expected) <= 1e-12, "\(name)")
        }
        for (score, expected) in zip(doubles(record["test"]), doubles(record["predictions"])) {
            #expect(abs(calibrator.calibrated(score) - expected) <= 1e-12, "\(name): x = \(score) gives \(calibrator.calibrated(score)), not \(expected)")
        }
    }

    @Test("isotonic calibration is non-decreasing, clipped outside the fitted range, NaN for NaN")
    func isotonicShape() throws {
        var generator = SplitMix64(seed: 21)
        let scores = (0..<500).map { _ in generator.nextNormal() }
        let labels = scores.map { generator.nextUniform() < 1 / (1 + exp(-2 * $0)) }
        let calibrator = try IsotonicCalibrator.fit(scores: scores, labels: labels)
        let grid = stride(from: -5.0, through: 5.0, by: 0.01).map(calibrator.calibrated)
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(grid.allSatisfy { (0...1).contains($0) })
        #expect(calibrator.calibrated(-100) == calibrator.values[0])
        #expect(calibrator.calibrated(100) == calibrator.values[calibrator.values.count - 1])
        #expect(calibrator.calibrated(.nan).isNaN)
        // Only breakpoints are kept: no interior point equals both neighbours.
        let v = calibrator.values
        #expect(v.indices.dropFirst().dropLast().allSatisfy { v[$0] != v[$0 - 1] || v[$0] != v[$0 + 1] })
    }

    // MARK: Errors

    @Test("mismatched lengths, non-finite scores and weightless input are errors")
    func invalidInput() {
        #expect(throws: CalibrationError.countMismatch(scores: 2, labels: 1)) {
            try PlattCalibrator.fit(scores: [0.1, 0.2], labels: [true])
        }
        #expect(throws: CalibrationError.nonFiniteScore(index: 1)) {
            try IsotonicCalibrator.fit(scores: [0.1, .infinity], labels: [true, false])
        }
        #expect(throws: CalibrationError.invalidWeight(index: 0, weight: -1)) {
            try IsotonicCalibrator.fit(scores: [0.1, 0.2], labels: [true, false], weights: [-1, 1])
        }
        #expect(throws: CalibrationError.noScores) {
            try IsotonicCalibrator.fit(scores: [0.1, 0.2], labels: [true, false], weights: [0, 0])
        }
        #expect(throws: CalibrationError.noScores) {
            try IsotonicCalibrator.fit(scores: [], labels: [])
        }
    }

    // MARK: Purpose

    /// Overconfident scores: the true probability is `σ(z)`, the reported score `σ(3z)`.
    static func overconfident(count: Int, seed: UInt64) -> (scores: [Double], labels: [Bool]) {
        var generator = SplitMix64(seed: seed)
        var scores = [Double]()
        var labels = [Bool]()
        for _ in 0..<count {
            let z = generator.nextNormal()
            scores.append(1 / (1 + exp(-3 * z)))
            labels.append(generator.nextUniform() < 1 / (1 + exp(-z)))
        }
        return (scores, labels)
    }

    static func ece(_ labels: [Bool], _ scores: [Double]) throws -> Double {
        try #require(Calibration.expectedCalibrationError(labels: labels, scores: scores).value)
    }

    @Test("Platt scaling (on the logit) and isotonic regression both cut the ECE of overconfident scores")
    func calibrationLowersECE() throws {
        let training = Self.overconfident(count: 5000, seed: 1)
        let held = Self.overconfident(count: 5000, seed: 2)
        let raw = try Self.ece(held.labels, held.scores)
        #expect(raw > 0.08)

        let logit = { (p: Double) in log(p / (1 - p)) }
        let platt = try PlattCalibrator.fit(scores: training.scores.map(logit), labels: training.labels)
        // The true map is σ(logit / 3): a ≈ −1/3, b ≈ 0.
        #expect(abs(platt.a + 1.0 / 3) < 0.05 && abs(platt.b) < 0.1, "\(platt)")
        let plattECE = try Self.ece(held.labels, held.scores.map { platt.calibrated(logit($0)) })
        #expect(plattECE < 0.03 && plattECE < raw / 3, "Platt ECE \(plattECE) vs raw \(raw)")

        let isotonic = try IsotonicCalibrator.fit(scores: training.scores, labels: training.labels)
        let isotonicECE = try Self.ece(held.labels, held.scores.map(isotonic.calibrated))
        #expect(isotonicECE < 0.04 && isotonicECE < raw / 2, "isotonic ECE \(isotonicECE) vs raw \(raw)")
    }

    @Test("calibrators round-trip through JSON")
    func codable() throws {
        let platt = PlattCalibrator(a: -1.25, b: 0.125)
        #expect(try JSONDecoder().decode(PlattCalibrator.self, from: JSONEncoder().encode(platt)) == platt)
        let isotonic = try IsotonicCalibrator.fit(scores: [0.1, 0.2, 0.3, 0.4], labels: [false, true, false, true])
        #expect(try JSONDecoder().decode(IsotonicCalibrator.self, from: JSONEncoder().encode(isotonic)) == isotonic)
        #expect(isotonic.thresholds.count >= 2)
    }
}
