import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil quarantine MODEL`: the log lines set aside, with where and why.
struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List a model's quarantined log lines, newest first, with file, line and reason.")

    @Argument(help: "The model.")
    var model: String

    @Option(help: "Show at most this many lines.")
    var limit = 50

    @Option(name: .long, help: ArgumentHelp("Read this state directory directly instead of asking vigild.", valueName: "dir"))
    var stateDir: String?

    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            let report: QuarantineReport
            if let stateDir {
                report = try QuarantineReport.read(databasePath: try OfflineState.databasePath(in: stateDir), model: model, limit: max(limit, 1))
                if control.json { try printJSON(report); return }
            } else {
                let response = try control.send(["cmd": "quarantine", "model": model, "limit": max(limit, 1)])
                if control.json { return }
                report = try JSONDecoder().decode(QuarantineReport.self, from: JSONSerialization.data(withJSONObject: response))
            }
            let counts = report.reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("\(model): \(report.total) quarantined line\(report.total == 1 ? "" : "s")\(counts.isEmpty ? "" : " (\(counts))")")
            for line in report.lines {
                print("\(line.path):\(line.line) (byte \(line.offset)) \(line.reason): \(line.detail)")
                print("    \(line.excerpt.prefix(160).replacingOccurrences(of: "\n", with: "\\n"))")
            }
        }
    }
}
