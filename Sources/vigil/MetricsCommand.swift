import ArgumentParser
import Foundation
import VigilStats

/// `vigil metrics`: discrimination, calibration and threshold metrics of a scored, labeled CSV.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Evaluate predicted probabilities against observed binary outcomes.",
        discussion: """
            Labels are 0/1 or true/false; scores are probabilities in [0, 1]. Reports AUROC with \
            a DeLong 95% interval, average precision, Brier score, log-loss, expected calibration \
            error, calibration intercept and slope, and the confusion matrix at the threshold \
            (score >= threshold is positive) with Wilson 95% intervals. Undefined metrics are null.
            Exit status: 0 on success, 64 for a usage error, 65 for malformed data, 66 for a missing file.
            """
    )

    @Option(help: "The CSV file of scored observations (with a header row).")
    var data: String

    @Option(help: "The column holding predicted probabilities.")
    var score: String

    @Option(help: "The column holding observed outcomes (0/1 or true/false).")
    var label: String

    @Option(help: "Scores at or above this are positive predictions.")
    var threshold: Double = 0.5

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard threshold.isFinite else { throw ValidationError("--threshold must be a finite number") }
    }

    func run() throws {
        let table = try CommandSupport.loadTable(data)
        guard let scoreColumn = table.columnIndex(named: score) else {
            throw CommandSupport.usageError("column \"\(score)\" is not in \(data)")
        }
        guard let labelColumn = table.columnIndex(named: label) else {
            throw CommandSupport.usageError("column \"\(label)\" is not in \(data)")
        }
        let scores = try CommandSupport.numbers(table, column: scoreColumn, file: data)
        for (row, value) in scores.enumerated() where !(value >= 0 && value <= 1) {
            let cell = table.columns[scoreColumn][row]
            let cause = cell.isEmpty || value.isNaN ? "missing score" : "score \(cell) is not a probability in [0, 1]"
            throw CommandSupport.dataError("\(data): line \(table.lineNumbers[row]), column \(scoreColumn + 1) (\(score)): \(cause)")
        }
        let labels: [Bool]
        do {
            labels = try table.binaryLabels(inColumn: labelColumn)
        } catch {
            throw CommandSupport.dataError("\(data): \(error)")
        }
        let report: MetricsReport
        do {
            report = try MetricsReport(labels: labels, scores: scores, threshold: threshold)
        } catch {
            throw CommandSupport.dataError("\(data): \(error)")
        }
        if json {
            print(try CommandSupport.jsonString(report))
        } else {
            print(report.renderedTable(), terminator: "")
        }
    }
}
