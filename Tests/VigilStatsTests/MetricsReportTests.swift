import Foundation
import Testing
@testable import VigilStats

struct MetricsReportTests {
    nonisolated(unsafe) static let cases = (try? Fixture.records("metrics.json", "cases")) ?? []

    @Test("a report of some parts has exactly those metrics of the full report", arguments: cases.indices)
    func parts(index: Int) throws {
        let record = Self.cases[index]
        let labels = (record["labels"] as! [Any]).map { double($0) == 1 }
        let scores = (record["scores"] as! [Any]).map(double)
        let full = try MetricsReport(labels: labels, scores: scores)
        let some = try MetricsReport(labels: labels, scores: scores, threshold: 0.5, parts: [.discrimination, .expectedCalibrationError])
        #expect(some.auroc == full.auroc && some.aurocInterval == full.aurocInterval)
        #expect(some.expectedCalibrationError == full.expectedCalibrationError)
        #expect(some.sensitivity == full.sensitivity && some.truePositives == full.truePositives)
        for skipped in [some.averagePrecision, some.brierScore, some.logLoss, some.calibrationSlope] {
            #expect(skipped.undefinedReason == "not computed")
        }
    }

    @Test("metrics agree with scikit-learn, statsmodels and the DeLong reference", arguments: cases.indices)
    func agree(index: Int) throws {
        let record = Self.cases[index]
        let name = record["name"] as? String ?? ""
        let labels = (record["labels"] as! [Any]).map { double($0) == 1 }
        let scores = (record["scores"] as! [Any]).map(double)
        let want = try #require(record["expected"] as? [String: Any])
        let report = try MetricsReport(labels: labels, scores: scores, threshold: double(want["threshold"]))
        #expect(report.count == Int(double(want["n"])))
        #expect(report.positives == Int(double(want["positives"])))
        let scalars: [(String, Computed<Double>, Double)] = [
            ("auroc", report.auroc, 1e-9), ("average_precision", report.averagePrecision, 1e-9),
            ("brier", report.brierScore, 1e-9), ("log_loss", report.logLoss, 1e-9), ("ece", report.expectedCalibrationError, 1e-9),
            // Two Newton fits stopped at 1e-10 and 1e-12 step tolerances: agree to ~1e-8.
            ("calibration_intercept", report.calibrationIntercept, 1e-7), ("calibration_slope", report.calibrationSlope, 1e-7),
            ("sensitivity", report.sensitivity, 1e-12), ("specificity", report.specificity, 1e-12),
            ("ppv", report.positivePredictiveValue, 1e-12), ("npv", report.negativePredictiveValue, 1e-12),
        ]
        for (key, actual, tolerance) in scalars {
            let expected = optionalDouble(want[key])
            #expect(isClose(actual.value, expected, relative: tolerance, absolute: 1e-12), "\(name).\(key): \(actual) vs \(String(describing: expected))")
            if expected == nil { #expect(actual.undefinedReason != nil, "\(name).\(key) should carry a reason") }
        }
        let intervals: [(String, Computed<ConfidenceInterval>)] = [
            ("auroc_ci", report.aurocInterval), ("sensitivity_ci", report.sensitivityInterval), ("specificity_ci", report.specificityInterval),
        ]
        for (key, actual) in intervals {
            let expected = (want[key] as? [Any])?.map(double)
            #expect((actual.value == nil) == (expected == nil), "\(name).\(key)")
            if let interval = actual.value, let expected {
                #expect(isClose(interval.lower, expected[0], relative: 1e-9, absolute: 1e-12), "\(name).\(key) lower")
                #expect(isClose(interval.upper, expected[1], relative: 1e-9, absolute: 1e-12), "\(name).\(key) upper")
            }
        }
        #expect([report.truePositives, report.falsePositives, report.trueNegatives, report.falseNegatives]
            == ["tp", "fp", "tn", "fn"].map { Int(double(want[$0])) })
    }

    @Test("PPV and NPV intervals agree with statsmodels' Wilson interval", arguments: cases.indices)
    func predictiveValueIntervals(index: Int) throws {
        let record = Self.cases[index]
        let labels = (record["labels"] as! [Any]).map { double($0) == 1 }
        let scores = (record["scores"] as! [Any]).map(double)
        let want = try #require(record["expected"] as? [String: Any])
        let matrix = ConfusionMatrix(labels: labels, scores: scores, threshold: double(want["threshold"]))
        for (proportion, key) in [(matrix.positivePredictiveValue, "ppv_ci"), (matrix.negativePredictiveValue, "npv_ci")] {
            let expected = (want[key] as? [Any])?.map(double)
            #expect((proportion.interval.value == nil) == (expected == nil))
            if let interval = proportion.interval.value, let expected {
                #expect(isClose(interval.lower, expected[0], absolute: 1e-12) && isClose(interval.upper, expected[1], absolute: 1e-12))
            }
        }
    }

    @Test("empty input gives undefined metrics with reasons, not NaN or a crash")
    func emptyInput() throws {
        let report = try MetricsReport(labels: [], scores: [])
        #expect(report.auroc.undefinedReason == "no observations")
        #expect(report.brierScore.value == nil && report.sensitivity.value == nil)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains("NaN") && json.contains("\"auroc\":null"))
    }

    @Test("one class only says which class is missing")
    func oneClass() throws {
        let report = try MetricsReport(labels: [false, false], scores: [0.2, 0.7])
        #expect(report.auroc == .undefined(reason: "only negative outcomes"))
        #expect(report.calibrationSlope == .undefined(reason: "only negative outcomes"))
    }

    @Test("invalid input is rejected with a typed error", arguments: [
        ([true], [0.5, 0.5], MetricsInputError.countMismatch(labels: 1, scores: 2)),
        ([true, false], [0.5, 1.5], MetricsInputError.scoreOutOfRange(index: 1, score: 1.5)),
    ])
    func invalidInput(labels: [Bool], scores: [Double], error: MetricsInputError) {
        #expect(throws: error) { try MetricsReport(labels: labels, scores: scores) }
    }

    @Test("ECE bins: an edge falls in the bin above it, 1.0 in the last bin", arguments: [
        (0.0, 0), (0.0999, 0), (0.1, 1), (0.3, 3), (0.7, 7), (0.9, 9), (0.95, 9), (1.0, 9),
    ])
    func calibrationBins(score: Double, bin: Int) {
        #expect(Calibration.bin(of: score) == bin)
    }

    @Test("the JSON report has exactly the documented keys; intervals are arrays")
    func jsonKeys() throws {
        let report = try MetricsReport(labels: [true, false, true, false], scores: [0.9, 0.2, 0.6, 0.65])
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(Set(object.keys) == ["n", "positives", "auroc", "auroc_ci", "average_precision", "brier", "log_loss", "ece",
                                     "calibration_intercept", "calibration_slope", "threshold", "tp", "fp", "tn", "fn",
                                     "sensitivity", "sensitivity_ci", "specificity", "specificity_ci", "ppv", "npv"])
        #expect((object["auroc_ci"] as? [Any])?.count == 2)
        let decoded = try JSONDecoder().decode(MetricsReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.auroc == report.auroc && decoded.sensitivityInterval == report.sensitivityInterval)
    }

    @Test("the rendered table shows reasons for undefined metrics")
    func renderedTable() throws {
        let text = try MetricsReport(labels: [true, true], scores: [0.4, 0.9]).renderedTable()
        #expect(text.contains("undefined (only positive outcomes)"))
        #expect(text.contains("AUROC"))
    }
}
