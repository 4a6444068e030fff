import Foundation
import VigilStats

/// A candidate judged against production on the same outcomes, gate by gate: on the held-out
/// rows after retraining, in shadow on live predictions, and for probation after promotion.
public struct GateReport: Sendable, Equatable, Codable {
    /// `held_out`, `shadow` or `probation`.
    public var stage: String
    public var outcomes: Int
    public var positives: Int
    public var candidateAUROC: Double?
    public var productionAUROC: Double?
    public var candidateECE: Double?
    /// The candidate's sensitivity at its own operating threshold (nil for probation, which has none).
    public var candidateSensitivity: Double?
    public var threshold: Double?
    public var gates: [Gate]
    public var passed: Bool

    /// One gate: what was compared, the figures, and the verdict.
    public struct Gate: Sendable, Equatable, Codable {
        /// `auroc`, `subgroup site=ED-1`, `ece`, `sensitivity`.
        public var name: String
        public var passed: Bool
        /// The candidate's figure and the limit it had to meet (nil when not computable).
        public var value: Double?
        public var limit: Double?
        /// Skipped gates (too few outcomes in a subgroup) pass and say why.
        public var skipped: Bool
        public var detail: String
    }

    /// The gates failed, as one line: `auroc 0.712 < 0.780; ece 0.081 > 0.050`.
    public var failures: String {
        gates.filter { !$0.passed }.map(\.detail).joined(separator: "; ")
    }

    enum CodingKeys: String, CodingKey {
        case stage, outcomes, positives, candidateAUROC = "candidate_auroc", productionAUROC = "production_auroc"
        case candidateECE = "candidate_ece", candidateSensitivity = "candidate_sensitivity", threshold, gates, passed
    }

    /// Judges `candidate` against `production` scores on the same `labels`.
    ///
    /// - Parameters:
    ///   - subgroups: for each subgroup attribute, each row's value (nil when absent).
    ///   - threshold: the candidate's operating threshold.
    public static func judge(stage: String, labels: [Bool], candidate: [Double], production: [Double],
                             subgroups: [(name: String, values: [String?])], threshold: Double,
                             settings: GateSettings) -> GateReport {
        let candidateAUROC = ROC.auroc(labels: labels, scores: candidate).value
        let productionAUROC = ROC.auroc(labels: labels, scores: production).value
        let ece = Calibration.expectedCalibrationError(labels: labels, scores: candidate).value
        let sensitivity = ConfusionMatrix(labels: labels, scores: candidate, threshold: threshold).sensitivity.estimate.value
        var gates: [Gate] = []

        if let candidateAUROC, let productionAUROC {
            let limit = productionAUROC - settings.margin
            let passed = candidateAUROC >= limit
            gates.append(Gate(name: "auroc", passed: passed, value: candidateAUROC, limit: limit, skipped: false,
                              detail: "AUROC \(format(candidateAUROC)) \(passed ? ">=" : "<") \(format(limit)) (production \(format(productionAUROC)) - margin \(format(settings.margin)))"))
        } else {
            gates.append(Gate(name: "auroc", passed: false, value: candidateAUROC, limit: nil, skipped: false,
                              detail: "AUROC cannot be compared: \(ROC.auroc(labels: labels, scores: candidate).undefinedReason ?? "production AUROC undefined")"))
        }

        for (name, values) in subgroups {
            var rowsByValue: [String: [Int]] = [:]
            for (row, value) in values.enumerated() { if let value { rowsByValue[value, default: []].append(row) } }
            for (value, rows) in rowsByValue.sorted(by: { $0.key < $1.key }) {
                let gateName = "subgroup \(name)=\(value)"
                guard rows.count >= settings.minSubgroupOutcomes else {
                    gates.append(Gate(name: gateName, passed: true, value: nil, limit: nil, skipped: true,
                                      detail: "\(name)=\(value): \(rows.count) outcomes, fewer than \(settings.minSubgroupOutcomes): not gated"))
                    continue
                }
                let subLabels = rows.map { labels[$0] }
                let mine = ROC.auroc(labels: subLabels, scores: rows.map { candidate[$0] }).value
                let theirs = ROC.auroc(labels: subLabels, scores: rows.map { production[$0] }).value
                guard let mine, let theirs else {
                    gates.append(Gate(name: gateName, passed: true, value: nil, limit: nil, skipped: true,
                                      detail: "\(name)=\(value): AUROC undefined (one outcome class): not gated"))
                    continue
                }
                let limit = theirs - settings.subgroupMargin
                let passed = mine >= limit
                gates.append(Gate(name: gateName, passed: passed, value: mine, limit: limit, skipped: false,
                                  detail: "\(name)=\(value): AUROC \(format(mine)) \(passed ? ">=" : "<") \(format(limit)) (production \(format(theirs)) - \(format(settings.subgroupMargin)))"))
            }
        }

        if let ece {
            let passed = ece <= settings.maxECE
            gates.append(Gate(name: "ece", passed: passed, value: ece, limit: settings.maxECE, skipped: false,
                              detail: "ECE \(format(ece)) \(passed ? "<=" : ">") \(format(settings.maxECE))"))
        } else {
            gates.append(Gate(name: "ece", passed: false, value: nil, limit: settings.maxECE, skipped: false, detail: "ECE undefined: no outcomes"))
        }

        if let minimum = settings.minSensitivity {
            let passed = (sensitivity ?? -1) >= minimum
            gates.append(Gate(name: "sensitivity", passed: passed, value: sensitivity, limit: minimum, skipped: false,
                              detail: "sensitivity at threshold \(format(threshold)) \(sensitivity.map(format) ?? "undefined") \(passed ? ">=" : "<") \(format(minimum))"))
        }

        return GateReport(
            stage: stage, outcomes: labels.count, positives: labels.filter { $0 }.count, candidateAUROC: candidateAUROC,
            productionAUROC: productionAUROC, candidateECE: ece, candidateSensitivity: sensitivity, threshold: threshold,
            gates: gates, passed: gates.allSatisfy(\.passed))
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

extension GateReport {
    /// Probation: the new version's realized AUROC on its own predictions' outcomes against the
    /// previous version's AUROC on the candidate's comparison outcomes, less `margin`. A few
    /// hundred outcomes give an AUROC within a few hundredths of its true value only, so, like
    /// the performance alert, it fails only when the whole 95% DeLong interval lies below the
    /// limit: a good version is not rolled back for a sample's bad luck.
    static func probation(labels: [Bool], scores: [Double], baseline: Double?, margin: Double) -> GateReport {
        let realized = ROC.auroc(labels: labels, scores: scores).value
        let interval = ROC.deLongInterval(labels: labels, scores: scores).value
        let gate: Gate
        switch (realized, interval, baseline) {
        case let (realized?, interval?, baseline?):
            let limit = baseline - margin
            let passed = interval.upper >= limit
            gate = Gate(name: "auroc", passed: passed, value: realized, limit: limit, skipped: false,
                        detail: "realized AUROC \(format(realized)) (95% CI \(format(interval.lower))-\(format(interval.upper))) "
                            + "\(passed ? "not below" : "below") \(format(limit)) (previous version \(format(baseline)) - probation margin \(format(margin)))")
        case (nil, _, _), (_, nil, _):
            gate = Gate(name: "auroc", passed: true, value: nil, limit: nil, skipped: true,
                        detail: "realized AUROC undefined (\(ROC.auroc(labels: labels, scores: scores).undefinedReason ?? "")): not judged")
        case (_?, _?, nil):
            gate = Gate(name: "auroc", passed: true, value: realized, limit: nil, skipped: true,
                        detail: "no AUROC of the previous version to compare with: not judged")
        }
        return GateReport(stage: "probation", outcomes: labels.count, positives: labels.filter { $0 }.count, candidateAUROC: realized,
                          productionAUROC: baseline, candidateECE: nil, candidateSensitivity: nil, threshold: nil, gates: [gate], passed: gate.passed)
    }
}
