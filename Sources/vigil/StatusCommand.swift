import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil status [MODEL]`: each model's state, versions, alerts and what was ingested.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each model's state, versions, alerts, and what vigild has ingested.",
        discussion: "Asks vigild through its control socket; with --state-dir it reads the state database directly (read-only), which also works while vigild is down.")

    @Argument(help: "Only this model.")
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Read this state directory directly instead of asking vigild.", valueName: "dir"))
    var stateDir: String?

    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            var report: StatusReport
            if let stateDir {
                report = try StatusReport.read(databasePath: try OfflineState.databasePath(in: stateDir))
                if let model { report.models = report.models.filter { $0.name == model } }
                if control.json { try printJSON(report); return }
            } else {
                var request: [String: Any] = ["cmd": "status"]
                if let model { request["model"] = model }
                let response = try control.send(request)
                if control.json { return }
                report = try JSONDecoder().decode(StatusReport.self, from: JSONSerialization.data(withJSONObject: response))
            }
            print(Self.render(report))
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
            var heading = "\(Style.paint(model.name, "1")): \(Style.state(model.state))"
            if model.state == "paused", let reason = model.stateReason {
                heading += " (\(reason)\(model.stateChangedBy.map { ", by \($0)" } ?? ""))"
            }
            lines.append(heading)
            let auroc = [model.estimatedAuroc.map { String(format: "estimated %.3f", $0) },
                         model.lastAuroc.map { String(format: "last realized %.3f", $0) }].compactMap { $0 }
            let rows: [(String, String)] = [
                ("ingestion", model.ingestion),
                ("production version", model.productionVersion ?? "none registered"),
                ("staged version", model.stagedVersion ?? "none"),
                ("firing alerts", model.firingAlerts.isEmpty ? "none" : model.firingAlerts.joined(separator: ", ")),
                ("AUROC", auroc.isEmpty ? "not yet known" : auroc.joined(separator: ", ")),
                ("predictions ingested", "\(model.predictionsIngested)"),
                ("outcomes ingested", "\(model.outcomesIngested)"),
                ("joined", "\(model.joined)"),
                ("pending predictions", "\(model.pendingPredictions)"),
                ("pending outcomes", "\(model.pendingOutcomes)"),
                ("predictions unlabeled", "\(model.predictionsUnlabeled)"),
                ("outcomes orphaned", "\(model.outcomesOrphaned)"),
                ("deleted (retention)", "\(model.predictionsDeleted) predictions older than the training window"),
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
