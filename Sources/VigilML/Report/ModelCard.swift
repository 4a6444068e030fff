import Foundation

/// The model card: a Markdown page a clinical reviewer can read, made from a model file's
/// document (and, for the leaderboard's fit times, the run's timings).
public enum ModelCard {
    /// The leaderboard rows the card shows, best first; the model file keeps them all.
    public static let leaderboardRows = 20

    public static func markdown(_ document: ModelDocument, candidateSeconds: [Double]? = nil) -> String {
        func number(_ value: Double?, _ digits: Int = 3) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a" }
        func interval(_ estimate: OperatingPoint.Estimate) -> String {
            "\(number(estimate.value)) (95% CI \(number(estimate.lower))–\(number(estimate.upper)); \(estimate.tally)/\(estimate.total))"
        }
        let v = document.validation
        let data = document.data
        var lines: [String] = []
        lines.append("# Model card: \(data.roles.target)")
        lines.append("")
        lines.append("Made by \(document.engine) (`\(ModelDocument.currentFormat)`).")
        lines.append("")
        lines.append("## Intended use")
        lines.append("")
        lines.append(document.intendedUse ?? "_Not stated. Pass `--intended-use` to `vigil train`._")
        lines.append("")
        lines.append("## Data")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append("| rows | \(data.rows) |")
        lines.append("| positives | \(data.positives) (prevalence \(percent(data.prevalence))) |")
        lines.append("| features | \(document.features.count) |")
        lines.append("| SHA-256 | `\(data.sha256)` |")
        if let group = data.roles.group { lines.append("| patient groups | `\(group)` |") }
        if let time = data.roles.time { lines.append("| time | `\(time)` |") }
        lines.append("")
        lines.append("| feature | type | missing |")
        lines.append("|---|---|---|")
        for feature in document.features {
            lines.append("| \(feature.name) | \(feature.kind.rawValue) | \(percent(data.missingShares[feature.name])) |")
        }
        if !data.warnings.isEmpty {
            lines.append("")
            for warning in data.warnings { lines.append("- Warning: \(warning)") }
        }
        lines.append("")
        lines.append("## Chosen model")
        lines.append("")
        lines.append("`\(document.chosen)`, chosen by \(v.scheme) on AUROC among \(document.search.candidatesEvaluated) candidates "
                     + "(seed \(document.search.seed)"
                     + (document.search.trials.map { ", \($0) trials" } ?? document.search.budgetSeconds.map { ", budget \(number($0, 0)) s" } ?? "")
                     + "). Among candidates within one standard error of the best, the simplest is chosen.")
        lines.append("")
        lines.append("## Validation (out of sample)")
        lines.append("")
        lines.append("| metric | value |")
        lines.append("|---|---|")
        lines.append("| rows / positives | \(v.rows) / \(v.positives) |")
        lines.append("| AUROC | \(number(v.auroc)) (95% CI \(number(v.aurocLower))–\(number(v.aurocUpper)), DeLong) |")
        lines.append("| average precision | \(number(v.averagePrecision)) |")
        lines.append("| Brier score | \(number(v.brier, 4)) |")
        lines.append("| log-loss | \(number(v.logLoss, 4)) |")
        lines.append("| expected calibration error | \(number(v.expectedCalibrationError, 4)) |")
        lines.append("")
        lines.append("## Calibration")
        lines.append("")
        let losses = document.calibration.logLoss.sorted { $0.key < $1.key }.map { "\($0.key) \(number($0.value, 4))" }.joined(separator: ", ")
        lines.append("Method: **\(document.calibration.method)**, the lower cross-fitted out-of-sample log-loss (\(losses)).")
        lines.append("")
        lines.append("## Operating threshold")
        lines.append("")
        let point = document.operatingPoint
        let rule = point.rule == "target_sensitivity" ? "the highest threshold with sensitivity ≥ \(number(point.targetSensitivity, 2))" : "Youden's J"
        lines.append("Threshold **\(number(point.threshold, 4))** (\(rule)); a score at or above it is a positive call.")
        lines.append("")
        lines.append("| | estimate |")
        lines.append("|---|---|")
        lines.append("| sensitivity | \(interval(point.sensitivity)) |")
        lines.append("| specificity | \(interval(point.specificity)) |")
        lines.append("| PPV | \(interval(point.positivePredictiveValue)) |")
        if !v.subgroups.isEmpty {
            lines.append("")
            lines.append("## Subgroups")
            lines.append("")
            lines.append("| column | value | rows | positives | AUROC | sensitivity | specificity | PPV | note |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            for group in v.subgroups {
                lines.append("| \(group.column) | \(group.value) | \(group.rows) | \(group.positives) | \(number(group.auroc)) | "
                             + "\(number(group.sensitivity)) | \(number(group.specificity)) | \(number(group.positivePredictiveValue)) | \(group.note ?? "") |")
            }
        }
        lines.append("")
        lines.append("## Leaderboard")
        lines.append("")
        lines.append("| rank | learner | hyperparameters | AUROC mean | AUROC sd | fit time | note |")
        lines.append("|---|---|---|---|---|---|---|")
        for (index, entry) in document.leaderboard.prefix(leaderboardRows).enumerated() {
            let seconds = entry.fitSeconds ?? candidateSeconds?[safe: index]
            lines.append("| \(entry.rank) | \(entry.learner) | \(entry.hyperparameters) | \(number(entry.metricMean, 4)) | "
                         + "\(number(entry.metricSD, 4)) | \(seconds.map { String(format: "%.2f s", $0) } ?? "n/a") | \(entry.note ?? "") |")
        }
        if document.leaderboard.count > leaderboardRows {
            lines.append("")
            lines.append("The other \(document.leaderboard.count - leaderboardRows) candidates are listed in the model file's `leaderboard`.")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
