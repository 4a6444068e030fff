import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil status`: what the daemon has ingested, per model and per log file.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what vigild has ingested, per model and log file.",
        discussion: "Reads the state database read-only, so it also works while vigild is down.")

    @OptionGroup var location: StateLocationOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingFailures {
            let path = try location.databasePath()
            try StateLocationOptions.requireDatabase(at: path)
            let report = try StatusReport.read(databasePath: path)
            if json {
                try printJSON(report)
            } else {
                print(Self.render(report))
            }
        }
    }

    static func render(_ report: StatusReport) -> String {
        var lines: [String] = []
        if report.daemon.running {
            lines.append("vigild \(report.daemon.version ?? "") running (pid \(report.daemon.pid ?? 0)) since \(report.daemon.startedAt ?? "?")")
        } else {
            lines.append("vigild is not running")
        }
        if report.models.isEmpty { lines.append("no models yet") }
        for model in report.models {
            lines.append("")
            lines.append("\(model.name): \(model.state)")
            let rows: [(String, String)] = [
                ("predictions ingested", "\(model.predictionsIngested)"),
                ("outcomes ingested", "\(model.outcomesIngested)"),
                ("joined", "\(model.joined)"),
                ("pending predictions", "\(model.pendingPredictions)"),
                ("pending outcomes", "\(model.pendingOutcomes)"),
                ("predictions unlabeled", "\(model.predictionsUnlabeled)"),
                ("outcomes orphaned", "\(model.outcomesOrphaned)"),
                ("quarantined", "\(model.quarantined)"),
                ("foreign", "\(model.foreign)"),
                ("last prediction", model.lastPredictionTs ?? "none"),
            ]
            for (label, value) in rows { lines.append("  \(label.padding(toLength: 22, withPad: " ", startingAt: 0)) \(value)") }
            if !model.unknownFeatures.isEmpty {
                let names = model.unknownFeatures.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
                lines.append("  unknown features       \(names.joined(separator: ", "))")
            }
            for file in model.files {
                lines.append("  \(file.stream.padding(toLength: 11, withPad: " ", startingAt: 0)) \(file.path): line \(file.line), byte \(file.offset), \(file.rotations) rotations, \(file.truncations) truncations")
            }
        }
        return lines.joined(separator: "\n")
    }
}
