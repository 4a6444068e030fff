import ArgumentParser
import Foundation
import VigilMonitor
import VigilStats

/// `vigil alerts [--firing]`: alerts that fired, firing ones first.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "List alerts: firing ones first, then resolved ones (--firing: only those firing now).",
        discussion: "With --state-dir it reads the state database directly (read-only), which also works while vigild is down.")
    @Flag(help: "Only alerts firing now.") var firing = false
    @Argument(help: "Only this model.") var model: String?
    @Option(name: .long, help: ArgumentHelp("Read this state directory directly instead of asking vigild.", valueName: "dir"))
    var stateDir: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            let report: AlertsReport
            if let stateDir {
                report = try AlertsReport.read(databasePath: try OfflineState.databasePath(in: stateDir), firingOnly: firing, model: model)
                if control.json { try printJSON(report); return }
            } else {
                var request: [String: Any] = ["cmd": "alerts", "firing": firing]
                if let model { request["model"] = model }
                let response = try control.send(request)
                if control.json { return }
                report = try JSONDecoder().decode(AlertsReport.self, from: JSONSerialization.data(withJSONObject: response))
            }
            guard !report.alerts.isEmpty else {
                print(firing ? "no alerts firing" : "no alerts")
                return
            }
            let rows = report.alerts.map { alert in
                [Style.paint(alert.status, alert.status == "firing" ? "31" : "32"), alert.severity, alert.alertname, alert.model,
                 [alert.feature, alert.subgroup, alert.check].compactMap { $0 }.joined(separator: " "),
                 alert.status == "firing" ? "since \(alert.startsAt)" : "\(alert.startsAt) to \(alert.endsAt ?? "?")", alert.summary]
            }
            print(TextTable(headers: ["status", "severity", "alert", "model", "about", "when", "summary"], rows: rows).rendered())
        }
    }
}

/// `vigil audit [MODEL]`: the audit trail.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit trail: who did what through the control socket, and what was refused.")
    @Argument(help: "Only this model.") var model: String?
    @Option(help: ArgumentHelp("Only entries at or after this time (RFC 3339).", valueName: "time")) var since: String?
    @Option(help: "At most this many entries (the newest).") var limit = 100
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            var request: [String: Any] = ["cmd": "audit", "limit": max(limit, 1)]
            if let model { request["model"] = model }
            if let since { request["since"] = since }
            try printEntries(control.send(request), json: control.json)
        }
    }
}

/// `vigil history MODEL`: what was done to one model.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a model's versions, evaluations (drift, performance) and events (life cycle, alerts), oldest first.",
        discussion: "With --state-dir it reads the state database directly (read-only), which also works while vigild is down.")
    @Argument(help: "The model.") var model: String
    @Option(help: ArgumentHelp("Only evaluations and events at or after this time (RFC 3339).", valueName: "time")) var since: String?
    @Option(help: "At most this many evaluations and events of each kind (the newest).") var limit = 100
    @Option(name: .long, help: ArgumentHelp("Read this state directory directly instead of asking vigild.", valueName: "dir"))
    var stateDir: String?
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            let report: HistoryReport
            if let stateDir {
                report = try HistoryReport.read(
                    databasePath: try OfflineState.databasePath(in: stateDir), model: model, since: since, limit: max(limit, 1))
                if control.json { try printJSON(report); return }
            } else {
                var request: [String: Any] = ["cmd": "history", "model": model, "limit": max(limit, 1)]
                if let since { request["since"] = since }
                let response = try control.send(request)
                if control.json { return }
                report = try JSONDecoder().decode(HistoryReport.self, from: JSONSerialization.data(withJSONObject: response))
            }
            print(Self.render(report))
        }
    }

    static func render(_ report: HistoryReport) -> String {
        var lines: [String] = []
        if report.evaluations.isEmpty {
            lines.append("no evaluations yet")
        } else {
            let rows = report.evaluations.map { evaluation -> [String] in
                let overall = evaluation.features.filter { $0.subgroup == nil }
                let drifted = overall.filter(\.drifted).map(\.name)
                let worst = evaluation.features.max { ($0.psi ?? 0) < ($1.psi ?? 0) }
                return [
                    evaluation.kind == .window ? "window \(evaluation.windowSeq ?? 0)" : "performance",
                    evaluation.windowEnd ?? evaluation.evaluatedAt, evaluation.version ?? "", String(evaluation.n),
                    evaluation.kind == .window && evaluation.reference != nil ? "\(drifted.count)/\(overall.count)" + (drifted.isEmpty ? "" : " " + drifted.joined(separator: ",")) : "",
                    worst.flatMap { feature in feature.psi.map { String(format: "%.3f %@%@", $0, feature.name, feature.subgroup.map { " (\($0))" } ?? "") } } ?? "",
                    NumberFormatting.format(evaluation.performance?.auroc, digits: 3),
                    NumberFormatting.format(evaluation.performance?.estimatedAUROC, digits: 3),
                    NumberFormatting.format(evaluation.performance?.ece, digits: 3),
                ]
            }
            lines.append(TextTable(
                headers: ["evaluation", "window end", "version", "n", "drifted", "largest PSI", "AUROC", "est. AUROC", "ECE"],
                rows: rows, rightAligned: [3, 6, 7, 8]).rendered())
        }
        lines.append("")
        if !report.versions.isEmpty {
            func figures(_ gate: GateReport?) -> String {
                guard let gate else { return "" }
                let mine = NumberFormatting.format(gate.candidateAUROC, digits: 3)
                let theirs = NumberFormatting.format(gate.productionAUROC, digits: 3)
                return "\(gate.passed ? "pass" : "FAIL") \(mine) vs \(theirs) (n=\(gate.outcomes))"
            }
            lines.append(TextTable(
                headers: ["version", "state", "origin", "created", "validation AUROC", "held out", "shadow", "probation"],
                rows: report.versions.map { version in
                    [String(version.version), version.state.rawValue, version.origin, version.createdAt,
                     NumberFormatting.format(version.validationAUROC, digits: 3), figures(version.gates), figures(version.shadow),
                     figures(version.probation)]
                }, rightAligned: [0, 4]).rendered())
            lines.append("")
        }
        if report.events.isEmpty {
            lines.append("no events")
        } else {
            lines.append(TextTable(
                headers: ["time", "event", "version", "by", "reason"],
                rows: report.events.map { [$0.ts, $0.kind, $0.version ?? "", $0.actor, $0.reason ?? ""] }).rendered())
        }
        return lines.joined(separator: "\n")
    }
}

private func printEntries(_ response: [String: Any], json: Bool) throws {
    guard !json else { return }
    let entries = try JSONDecoder().decode([AuditEntry].self, from: JSONSerialization.data(withJSONObject: response["entries"] ?? []))
    guard !entries.isEmpty else {
        print("no entries")
        return
    }
    let rows = entries.map { [$0.at, "\($0.user) (\($0.role))", $0.command, $0.model ?? "", $0.result, $0.arguments] }
    let headers = ["time", "who", "command", "model", "result", "arguments"]
    let widths = headers.indices.map { column in max(headers[column].count, rows.map { $0[column].count }.max() ?? 0) }
    func format(_ cells: [String]) -> String {
        cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
    }
    print(format(headers))
    for row in rows { print(format(row)) }
}
