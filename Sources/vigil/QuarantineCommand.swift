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

    @OptionGroup var location: StateLocationOptions

    @Option(help: "Show at most this many lines.")
    var limit = 50

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingFailures {
            let path = try location.databasePath()
            try StateLocationOptions.requireDatabase(at: path)
            let report = try QuarantineReport.read(databasePath: path, model: model, limit: max(limit, 0))
            if json {
                try printJSON(report)
                return
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
