import Foundation
import VigilMonitor

/// Reads the demo's state database (read-only) and narrates what vigild did: each new alert
/// transition and life-cycle event as one line, and a summary table of the stages at the end.
final class DemoNarrator {
    enum Stage: String, CaseIterable {
        case drift = "drift detected"
        case retraining = "retraining"
        case gates = "gates"
        case shadow = "shadow comparison"
        case promotion = "promotion"
        case performanceAlert = "performance alert"
        case rollback = "rollback"
        case rejection = "bad candidate rejected"
        case pause = "pause"
        case resume = "resume"
    }

    let model: String
    let database: String
    let started: ContinuousClock.Instant
    /// The reason of the latest failed retraining, if any.
    private(set) var retrainFailure: String?
    /// Whether a performance alert counts as the stage (from the concept shift on; one before it is noise in a small window).
    var countsPerformanceAlerts = false
    private var seen: Set<String> = []
    private var lastPoll: ContinuousClock.Instant?
    private(set) var report: HistoryReport?
    /// When each stage first happened (seconds since the start) and its figures.
    private var stages: [Stage: (at: Double, figures: String)] = [:]

    init(model: String, database: String, started: ContinuousClock.Instant) {
        self.model = model
        self.database = database
        self.started = started
    }

    func happened(_ stage: Stage) -> Bool { stages[stage] != nil }

    func version(_ number: Int) -> HistoryReport.Version? { report?.versions.first { $0.version == number } }

    /// Adds to a stage's figures.
    func note(_ stage: Stage, _ text: String) {
        guard let entry = stages[stage] else { return }
        stages[stage] = (entry.at, entry.figures.isEmpty ? text : entry.figures + "; " + text)
    }

    /// Reads the new events (at most every 300 ms: decoding the history is not free on a busy machine).
    func poll() {
        let now = ContinuousClock.now
        if let lastPoll, now - lastPoll < .milliseconds(300) { return }
        lastPoll = now
        guard FileManager.default.fileExists(atPath: database),
              let report = try? HistoryReport.read(databasePath: database, model: model, since: nil, limit: 400) else { return }
        self.report = report
        for event in report.events {
            let key = [event.ts, event.kind, event.version ?? "", event.reason ?? "", event.details].joined(separator: "|")
            guard seen.insert(key).inserted else { continue }
            narrate(event, in: report)
        }
    }

    private func record(_ stage: Stage, _ figures: String) {
        guard stages[stage] == nil else { return }
        stages[stage] = ((ContinuousClock.now - started).seconds, figures)
    }

    private func narrate(_ event: HistoryReport.Event, in report: HistoryReport) {
        let version = event.version.map { "v\($0)" } ?? ""
        switch event.kind {
        case "alert_firing", "alert_resolved":
            guard let alert = try? JSONDecoder().decode(Alert.self, from: Data(event.details.utf8)) else { return }
            let firing = event.kind == "alert_firing"
            say("\(firing ? "ALERT" : "resolved") \(alert.key.rule.alertName)\(firing ? " (\(alert.severity.rawValue))" : ""): \(alert.summary)")
            guard firing else { return }
            switch alert.key.rule {
            case .drift where alert.key.feature != nil:
                let figures = driftFigures(alert, in: report)
                say("    \(figures)")
                record(.drift, figures)
            case .performance where countsPerformanceAlerts:
                record(.performanceAlert, alert.summary)
            default: break
            }
        case "retrain_started":
            say("vigild starts retraining in a child process (\(event.actor)): \(event.reason ?? "")")
            record(.retraining, "trigger: \(event.reason ?? "?")")
        case "retrain_failed":
            retrainFailure = event.reason ?? "?"
            say("retraining failed: \(event.reason ?? "")")
        case "staged", "rejected":
            let number = event.version.flatMap(Int.init)
            let candidate = number.flatMap { n in report.versions.first { $0.version == n } }
            let gates = candidate?.gates.map(Self.describe) ?? "no gate figures"
            if event.kind == "staged" {
                say("\(version) passed its held-out gates and is staged (shadow scoring every new prediction): \(gates)")
                record(.gates, "\(version) staged: \(gates)")
            } else {
                let shadowFailed = candidate?.shadow.map { !$0.passed } ?? false
                let figures = shadowFailed ? candidate?.shadow.map(Self.describe) ?? gates : gates
                say("\(version) REJECTED \(shadowFailed ? "in shadow" : "at the gates"): \(event.reason ?? figures)")
                if happened(.gates) { record(.rejection, "\(version): \(figures)") } else { record(.gates, "\(version) rejected: \(figures)") }
            }
        case "awaiting_approval", "promoted":
            let candidate = event.version.flatMap(Int.init).flatMap { n in report.versions.first { $0.version == n } }
            if let shadow = candidate?.shadow {
                say("shadow comparison of \(version): \(Self.describe(shadow))")
                record(.shadow, "\(version): \(Self.describe(shadow))")
            }
            say("\(version) \(event.kind == "promoted" ? "PROMOTED" : "awaits approval") by \(event.actor): \(event.reason ?? ""); serving.json switched")
            if event.kind == "promoted" { record(.promotion, "\(version) by \(event.actor) (promotion: auto)") }
        case "rolled_back":
            let candidate = event.version.flatMap(Int.init).flatMap { n in report.versions.first { $0.version == n } }
            let probation = candidate?.probation.map(Self.describe) ?? ""
            say("\(version) ROLLED BACK by \(event.actor): \(event.reason ?? "")\(probation.isEmpty ? "" : " — probation: " + probation)")
            record(.rollback, "\(version) by \(event.actor): \(event.reason ?? "")")
        case "paused", "resumed":
            say("\(model) \(event.kind.uppercased()) by \(event.actor): \(event.reason ?? "")")
            record(event.kind == "paused" ? .pause : .resume, "by \(event.actor): \(event.reason ?? "")")
        case "registered":
            say("\(version) registered by \(event.actor): \(event.reason ?? "")")
        default:
            say("\(event.kind) \(version) by \(event.actor)\(event.reason.map { ": " + $0 } ?? "")")
        }
    }

    /// Which feature, which site, PSI and KS, from the alert and the window it was raised on.
    private func driftFigures(_ alert: Alert, in report: HistoryReport) -> String {
        let feature = alert.key.feature ?? "?"
        let site = alert.key.subgroup ?? "all sites"
        let window = report.evaluations.last { $0.kind == .window && $0.features.contains { $0.name == feature && $0.subgroup == alert.key.subgroup && $0.drifted } }
        guard let measured = window?.features.first(where: { $0.name == feature && $0.subgroup == alert.key.subgroup }) else {
            return "\(feature) at \(site)"
        }
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "-" }
        return "\(feature) at \(site): PSI \(number(measured.psi, "%.2f")), KS D \(number(measured.ksStatistic, "%.2f")) (p \(number(measured.ksPValue, "%.1e"))) on \(measured.n) predictions in window \(window?.windowSeq.map(String.init) ?? "?")"
    }

    static func describe(_ report: GateReport) -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        var text = "AUROC \(number(report.candidateAUROC)) vs production \(number(report.productionAUROC)) on \(report.outcomes) outcomes"
        if let gate = report.gates.first(where: { $0.name == "auroc" }), let limit = gate.limit, report.passed {
            text += " (non-inferior: at least \(number(limit)) needed)"
        }
        if let ece = report.candidateECE { text += ", ECE \(String(format: "%.3f", ece))" }
        text += report.passed ? ", every gate passed" : ", failed: \(report.failures)"
        return text
    }

    func printSummary() {
        print("Summary (seconds since the demo started)")
        let width = Stage.allCases.map(\.rawValue.count).max() ?? 10
        print("  " + "stage".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + "  when" + "  figures")
        // In the order they happened; those that did not, last.
        let order = Stage.allCases.sorted { (stages[$0]?.at ?? .infinity, Stage.allCases.firstIndex(of: $0)!) < (stages[$1]?.at ?? .infinity, Stage.allCases.firstIndex(of: $1)!) }
        for stage in order {
            let name = stage.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            if let entry = stages[stage] {
                print("  \(name)  \(String(format: "%5.1fs", entry.at))  \(entry.figures)")
            } else {
                print("  \(name)  \("-".padding(toLength: 6, withPad: " ", startingAt: 0))  did not happen")
            }
        }
        fflush(nil)
    }

    private func say(_ text: String) {
        print("[\(Self.elapsed(since: started))] \(text)")
        fflush(nil)
    }

    static func elapsed(since start: ContinuousClock.Instant) -> String {
        String(format: "%5.1fs", (ContinuousClock.now - start).seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
