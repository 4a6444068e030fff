import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil alerts [--firing]`.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List alerts (--firing: only those firing now).")
    @Flag(help: "Only alerts firing now.") var firing = false
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures {
            let response = try control.send(["cmd": "alerts", "firing": firing])
            guard !control.json else { return }
            let alerts = response["alerts"] as? [[String: Any]] ?? []
            print(alerts.isEmpty ? "no alerts" : alerts.map { "\($0)" }.joined(separator: "\n"))
        }
    }
}

/// `vigil history MODEL` and `vigil audit [MODEL]`: the audit trail.
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
        commandName: "history", abstract: "Show what was done to a model (pauses, resumes, approvals, rollbacks), oldest first.")
    @Argument(help: "The model.") var model: String
    @OptionGroup var control: ControlOptions

    func run() throws {
        try reportingFailures { try printEntries(control.send(["cmd": "history", "model": model]), json: control.json) }
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
