import Foundation
import VigilStats

/// `vigil report MODEL`: one self-contained HTML page (inline CSS and SVG, no scripts, fonts
/// or images from elsewhere) that draws a model's state, life cycle, drift, performance,
/// subgroups, alerts and audit trail from the state database.
///
/// Every figure the page shows beside a chart is also in a table, and the numbers tests
/// compare with the database carry `data-` attributes with the full stored value.
public enum ModelReport {
    /// The state database has never heard of the model: not configured, no versions, no evaluations.
    public struct UnknownModel: Error, CustomStringConvertible {
        public var model: String
        public var databasePath: String
        public var description: String { "the state database \(databasePath) knows no model \"\(model)\"" }
    }

    /// Reads `model` from the state database at `databasePath` (read-only) and renders the page.
    /// - Throws: When the database cannot be opened or does not know the model.
    public static func render(databasePath: String, model: String, generatedAt: Date = Date()) throws -> String {
        let data = try ModelReportData.read(databasePath: databasePath, model: model)
        guard data.isKnown else { throw UnknownModel(model: model, databasePath: databasePath) }
        return HTMLReport(data: data, generatedAt: generatedAt).render()
    }
}

struct HTMLReport {
    var data: ModelReportData
    var generatedAt: Date

    func render() -> String {
        let name = HTMLText.escape(data.model)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Vigil report: \(name)</title>
        <style>\(Self.styleSheet)</style>
        </head>
        <body>
        <header>
        <h1>Vigil report: <span id="model-name">\(name)</span></h1>
        <p class="meta">Generated \(HTMLText.escape(RFC3339Short.string(generatedAt.timeIntervalSince1970))) by vigil \(HTMLText.escape(VigilVersion.current)) from \(HTMLText.escape(data.databasePath)).</p>
        <nav><a href="#summary">Summary</a> · <a href="#versions">Versions</a> · <a href="#drift">Drift</a> · <a href="#performance">Performance</a> · <a href="#subgroups">Subgroups</a> · <a href="#alerts">Alerts</a> · <a href="#audit">Audit</a></nav>
        </header>
        <main>
        \(summary())
        \(versions())
        \(drift())
        \(performance())
        \(subgroups())
        \(alerts())
        \(audit())
        </main>
        </body>
        </html>

        """
    }

    // MARK: Sections

    private func summary() -> String {
        let production = data.versions.first { $0.state == .production }
        let state = data.state
        let paused = state?.status == "paused"
        let last = data.evaluations.last
        let performance = data.latestPerformance?.evaluation.performance
        var rows: [(String, String, String)] = []  // id, label, HTML value
        rows.append(("production-version", "Production version", production.map { "v\($0.version) (\(HTMLText.escape($0.origin)), created \(HTMLText.escape($0.createdAt)))" } ?? "none registered"))
        let stateText: String
        if paused {
            stateText = "<strong class=\"paused\">paused</strong> by \(HTMLText.escape(state?.changedBy ?? "?")) at \(HTMLText.escape(state?.changedAt ?? "?")): <q>\(HTMLText.escape(state?.reason ?? ""))</q>"
        } else if let state, state.changedBy != "" {
            stateText = "active (since \(HTMLText.escape(state.changedAt)), set by \(HTMLText.escape(state.changedBy))\(state.reason.map { ": <q>\(HTMLText.escape($0))</q>" } ?? ""))"
        } else {
            stateText = "active"
        }
        rows.append(("state", "State", stateText))
        rows.append(("firing-alerts", "Alerts firing now", "<span data-count=\"\(data.firingAlerts.count)\">\(data.firingAlerts.count)</span>" + (data.firingAlerts.isEmpty ? "" : ": " + data.firingAlerts.map { HTMLText.escape($0.summary) }.joined(separator: "; "))))
        if let counters = data.counters {
            rows.append(("predictions-ingested", "Predictions ingested", "<span data-count=\"\(counters.predictions)\">\(counters.predictions)</span>"))
            rows.append(("outcomes-ingested", "Outcomes ingested", "<span data-count=\"\(counters.outcomes)\">\(counters.outcomes)</span> (\(counters.joined) joined to their predictions, \(counters.quarantined) lines quarantined)"))
        } else {
            rows.append(("predictions-ingested", "Predictions ingested", "<span data-count=\"0\">0</span>"))
        }
        if let last {
            let what = last.evaluation.kind == .window ? "window \(last.evaluation.windowSeq ?? 0)" : "performance"
            rows.append(("last-evaluation", "Last evaluation", "\(HTMLText.escape(last.evaluation.evaluatedAt)) (\(what), \(data.evaluations.count) in all)"))
        } else {
            rows.append(("last-evaluation", "Last evaluation", "none yet"))
        }
        if let performance {
            rows.append(("latest-auroc", "Latest AUROC", "<span data-auroc=\"\(HTMLText.attribute(performance.auroc))\">\(HTMLText.number(performance.auroc))</span>\(performance.aurocCI.map { $0.count == 2 ? " (95% CI \(HTMLText.number($0[0]))–\(HTMLText.number($0[1])))" : "" } ?? "") on \(performance.n) outcomes; estimated from scores: <span data-estimated-auroc=\"\(HTMLText.attribute(performance.estimatedAUROC))\">\(HTMLText.number(performance.estimatedAUROC))</span>"))
        }
        let table = rows.map { "<tr id=\"summary-\($0.0)\"><th scope=\"row\">\($0.1)</th><td>\($0.2)</td></tr>" }.joined(separator: "\n")
        return """
        <section id="summary" class="\(paused ? "is-paused" : "")">
        <h2>Summary</h2>
        \(data.evaluations.isEmpty ? "<p class=\"empty\" id=\"no-evaluations\">No evaluations yet: drift and performance appear here once vigild has evaluated a window of this model's predictions.</p>" : "")
        <table class="summary">\(table)</table>
        </section>
        """
    }

    private func versions() -> String {
        var html = "<section id=\"versions\"><h2>Versions and life cycle</h2>"
        if data.versions.isEmpty && data.lifecycle.isEmpty {
            return html + "<p class=\"empty\">No registered versions: this model is monitored from its logs only.</p></section>"
        }
        let events: [(time: Double, lane: String, label: String, colour: String)] = data.lifecycle.compactMap { event in
            guard let time = try? RFC3339Timestamp.unixSeconds(event.at) else { return nil }
            let (lane, colour) = Self.lane(of: event.kind)
            let label = "\(event.at): \(event.kind)\(event.version.map { " v\($0)" } ?? "") by \(event.actor): \(event.reason)"
            return (time, lane, label, colour)
        }
        if !events.isEmpty {
            let chart = ReportCharts.timeline(events: events)
            let kinds = Dictionary(grouping: data.lifecycle, by: \.kind).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
            html += ReportCharts.figure(
                id: "chart-timeline", width: chart.width, height: chart.height, title: "Life-cycle timeline of \(data.model)",
                description: "\(data.lifecycle.count) life-cycle events from \(data.lifecycle.first?.at ?? "") to \(data.lifecycle.last?.at ?? ""): \(kinds).",
                caption: "Each dot is a life-cycle event (hover for who and why); the table below lists them all.", body: chart.body)
        }
        if !data.versions.isEmpty {
            html += "<h3>Versions</h3><table id=\"versions-table\"><thead><tr><th>Version</th><th>State</th><th>Origin</th><th>Created</th><th>Validation AUROC</th><th>Held-out gates</th><th>Shadow</th><th>Probation</th></tr></thead><tbody>"
            for version in data.versions {
                html += "<tr data-version=\"\(version.version)\" data-state=\"\(HTMLText.escape(version.state.rawValue))\"><td>v\(version.version)</td><td>\(HTMLText.escape(version.state.rawValue))</td><td>\(HTMLText.escape(version.origin))</td><td>\(HTMLText.escape(version.createdAt))</td><td class=\"num\" data-validation-auroc=\"\(HTMLText.attribute(version.validationAUROC))\">\(HTMLText.number(version.validationAUROC))</td><td>\(Self.gate(version.gates))</td><td>\(Self.gate(version.shadow))</td><td>\(Self.gate(version.probation))</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<h3>Life-cycle events</h3>"
        if data.lifecycle.isEmpty {
            html += "<p class=\"empty\">No life-cycle events.</p>"
        } else {
            html += "<table id=\"lifecycle-table\"><thead><tr><th>Time</th><th>Event</th><th>Version</th><th>From → to</th><th>By</th><th>Reason</th></tr></thead><tbody>"
            for event in data.lifecycle {
                let states = [event.fromState, event.toState].compactMap { $0 }.isEmpty ? "" : "\(event.fromState ?? "–") → \(event.toState ?? "–")"
                html += "<tr data-seq=\"\(event.seq)\" data-kind=\"\(HTMLText.escape(event.kind))\"><td>\(HTMLText.escape(event.at))</td><td>\(HTMLText.escape(event.kind))</td><td>\(event.version.map { "v\($0)" } ?? "")</td><td>\(HTMLText.escape(states))</td><td>\(HTMLText.escape(event.actor))</td><td class=\"reason\">\(HTMLText.escape(event.reason))</td></tr>"
            }
            html += "</tbody></table>"
        }
        return html + "</section>"
    }

    private func drift() -> String {
        var html = "<section id=\"drift\"><h2>Input drift</h2>"
        // The most recent windows: beyond that the cells get too thin to read on a laptop screen.
        let windows = Array(data.windowEvaluations.suffix(Self.maximumWindows))
        let omitted = data.windowEvaluations.count - windows.count
        guard !windows.isEmpty else {
            return html + "<p class=\"empty\">No window has been evaluated yet.</p></section>"
        }
        var features: [String] = []
        for window in windows {
            for feature in window.evaluation.features where feature.subgroup == nil && !features.contains(feature.name) {
                features.append(feature.name)
            }
        }
        let rows = features + (windows.contains { $0.evaluation.score?.psi != nil } ? ["score (model output)"] : [])
        func overall(_ row: Int, _ column: Int) -> FeatureEvaluation? {
            guard row < features.count else { return nil }
            return windows[column].evaluation.features.first { $0.name == features[row] && $0.subgroup == nil }
        }
        func psi(_ row: Int, _ column: Int) -> Double? {
            row < features.count ? overall(row, column)?.psi : windows[column].evaluation.score?.psi
        }
        let seqs = windows.map { $0.evaluation.windowSeq ?? 0 }
        if features.isEmpty {
            html += "<p class=\"empty\">The windows were not compared with a reference (no reference file, training profile or baseline yet).</p>"
        } else {
            let chart = ReportCharts.heatMap(features: rows, windows: seqs, psi: psi, drifted: { row, column in overall(row, column)?.drifted ?? false })
            let latest = windows[windows.count - 1].evaluation
            let driftedNow = latest.features.filter { $0.subgroup == nil && $0.drifted }.map(\.name)
            let largest = zip(features.indices, features).compactMap { index, name in psi(index, windows.count - 1).map { (name, $0) } }.max { $0.1 < $1.1 }
            let description = "PSI of \(features.count) features over \(windows.count) windows (\(seqs.first ?? 0) to \(seqs.last ?? 0)\(omitted > 0 ? ", the last \(windows.count) of \(windows.count + omitted)" : "")). In the latest window, "
                + (driftedNow.isEmpty ? "no feature drifted overall" : "drifted overall: \(driftedNow.joined(separator: ", "))")
                + (largest.map { "; the largest PSI is \($0.0) at \(HTMLText.number($0.1))." } ?? ".")
            html += ReportCharts.figure(
                id: "chart-drift", width: chart.width, height: chart.height, title: "Drift heat map of \(data.model): features by window, PSI",
                description: description, caption: description + " Reference: \(latest.reference ?? "none").", body: chart.body)
            html += "<details><summary>PSI per feature and window (table)</summary><table id=\"drift-table\"><thead><tr><th>Window</th><th>End</th><th>n</th>"
            html += features.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "<th>score</th></tr></thead><tbody>"
            for (column, window) in windows.enumerated() {
                html += "<tr data-evaluation=\"\(window.id)\" data-window=\"\(window.evaluation.windowSeq ?? 0)\"><td>\(window.evaluation.windowSeq ?? 0)</td><td>\(HTMLText.escape(window.evaluation.windowEnd ?? ""))</td><td class=\"num\">\(window.evaluation.n)</td>"
                for row in features.indices {
                    let feature = overall(row, column)
                    html += "<td class=\"num\(feature?.drifted == true ? " drifted" : "")\" data-feature=\"\(HTMLText.escape(features[row]))\" data-psi=\"\(HTMLText.attribute(feature?.psi))\">\(HTMLText.number(feature?.psi))\(feature?.drifted == true ? " ●" : "")</td>"
                }
                html += "<td class=\"num\" data-score-psi=\"\(HTMLText.attribute(window.evaluation.score?.psi))\">\(HTMLText.number(window.evaluation.score?.psi))</td></tr>"
            }
            html += "</tbody></table></details>"
            html += latestSubgroupDrift(latest)
        }
        html += histograms()
        return html + "</section>"
    }

    private func latestSubgroupDrift(_ latest: Evaluation) -> String {
        let bySubgroup = latest.features.filter { $0.subgroup != nil }
        guard !bySubgroup.isEmpty else { return "" }
        let subgroups = bySubgroup.reduce(into: [String]()) { if let s = $1.subgroup, !$0.contains(s) { $0.append(s) } }.sorted()
        let features = bySubgroup.reduce(into: [String]()) { if !$0.contains($1.name) { $0.append($1.name) } }
        var html = "<h3>Latest window (\(latest.windowSeq ?? 0)) by subgroup</h3><table id=\"subgroup-drift-table\"><thead><tr><th>Subgroup</th>"
        html += features.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for subgroup in subgroups {
            html += "<tr><th scope=\"row\">\(HTMLText.escape(subgroup))</th>"
            for feature in features {
                let value = bySubgroup.first { $0.name == feature && $0.subgroup == subgroup }
                let fill = value?.psi.map { ReportCharts.band(of: $0) }
                let style = fill.map { " style=\"background:\($0.fill);color:\($0.light ? "#fff" : "#000")\"" } ?? ""
                html += "<td class=\"num\"\(style) data-feature=\"\(HTMLText.escape(feature))\" data-subgroup=\"\(HTMLText.escape(subgroup))\" data-psi=\"\(HTMLText.attribute(value?.psi))\">\(HTMLText.number(value?.psi))\(value?.drifted == true ? " ● drifted" : "")</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table><p class=\"note\">PSI within each subgroup, coloured as in the heat map; ● marks a drift by the configured test.</p>"
    }

    private func histograms() -> String {
        var html = "<h3>Latest window against the reference</h3>"
        guard let latest = data.windowEvaluations.last?.evaluation else { return "" }
        if let note = data.histogramNote, data.histograms.isEmpty {
            return html + "<p class=\"empty\">\(HTMLText.escape(note)).</p>"
        }
        let drifted = Set(latest.features.filter(\.drifted).map(\.name))
        var shown = data.histograms.filter { drifted.contains($0.feature) }
        if shown.isEmpty, let largest = data.histograms.max(by: { ($0.psi ?? 0) < ($1.psi ?? 0) }) {
            html += "<p>No feature drifted in window \(latest.windowSeq ?? 0); the one with the largest PSI is shown.</p>"
            shown = [largest]
        } else {
            html += "<p>Each feature that drifted in window \(latest.windowSeq ?? 0) (overall or in a subgroup), over the whole window: the share of values in each PSI bin of the reference (its deciles) and of the window.</p>"
        }
        html += "<div class=\"histograms\">"
        for histogram in shown {
            let chart = ReportCharts.histogram(labels: histogram.labels, reference: histogram.reference, current: histogram.current)
            let id = "chart-histogram-\(Self.slug(histogram.feature))"
            let referenceTotal = max(histogram.reference.reduce(0, +), 1), currentTotal = max(histogram.current.reduce(0, +), 1)
            let pairs = zip(histogram.labels, zip(histogram.reference, histogram.current)).map { label, counts in
                "\(label): \(HTMLText.number(Double(counts.0) / Double(referenceTotal) * 100, digits: 1))% vs \(HTMLText.number(Double(counts.1) / Double(currentTotal) * 100, digits: 1))%"
            }
            html += "<div class=\"histogram\" data-feature=\"\(HTMLText.escape(histogram.feature))\" data-reference-counts=\"\(histogram.reference.map(String.init).joined(separator: ","))\" data-current-counts=\"\(histogram.current.map(String.init).joined(separator: ","))\">"
            html += ReportCharts.figure(
                id: id, width: chart.width, height: chart.height, title: "\(histogram.feature): reference vs latest window",
                description: "Share of values per bin, reference vs window \(latest.windowSeq ?? 0): " + pairs.joined(separator: "; ") + ".",
                caption: "\(histogram.feature): PSI \(HTMLText.number(histogram.psi)); \(currentTotal) values in the window, \(referenceTotal) in the reference.",
                body: chart.body)
            html += "</div>"
        }
        html += "</div>"
        if let source = data.referenceSource { html += "<p class=\"note\">Reference: \(HTMLText.escape(source)). Window values are read back from the window's stored prediction lines.</p>" }
        return html
    }

    private func performance() -> String {
        var html = "<section id=\"performance\"><h2>Performance</h2>"
        let evaluations = data.evaluations.filter { $0.evaluation.performance != nil }
        guard !evaluations.isEmpty else {
            return html + "<p class=\"empty\">No performance figures yet: they need outcomes joined to predictions.</p></section>"
        }
        let performance = evaluations.map { $0.evaluation.performance! }
        let values = performance.flatMap { [$0.auroc, $0.estimatedAUROC] + ($0.aurocCI ?? []).map(Optional.some) }.compactMap { $0 }
        let low = min(0.5, ((values.min() ?? 0.5) * 10).rounded(.down) / 10)
        let labels = evaluations.map { $0.evaluation.kind == .window ? "w\($0.evaluation.windowSeq ?? 0)" : "p" }
        let band: [(Double, Double)?] = performance.map { p in p.aurocCI.flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil } }
        let validation = data.versions.first { $0.state == .production }?.validationAUROC
        let chart = ReportCharts.lineChart(
            xLabels: labels, yRange: low...1, yLabel: "AUROC", band: band,
            series: [.init(label: "realized AUROC", values: performance.map(\.auroc), colour: ReportCharts.blue),
                     .init(label: "estimated (no labels)", values: performance.map(\.estimatedAUROC), colour: ReportCharts.orange, dash: "6 4")],
            referenceLine: validation.map { ($0, "validation \(HTMLText.number($0))") })
        let realized = performance.compactMap(\.auroc)
        let description = "AUROC over \(evaluations.count) evaluations: realized from \(HTMLText.number(realized.first)) to \(HTMLText.number(realized.last)) (range \(HTMLText.number(realized.min()))–\(HTMLText.number(realized.max()))); estimated from scores, latest \(HTMLText.number(performance.last?.estimatedAUROC))."
        html += ReportCharts.figure(id: "chart-performance", width: chart.width, height: chart.height,
                                    title: "AUROC over time for \(data.model)", description: description,
                                    caption: description + " The band is the realized AUROC's 95% confidence interval; \"p\" marks an evaluation of late outcomes between windows.",
                                    body: chart.body)
        html += "<details><summary>Performance per evaluation (table)</summary><table id=\"performance-table\"><thead><tr><th>Evaluation</th><th>Evaluated</th><th>Version</th><th>Outcomes</th><th>AUROC</th><th>95% CI</th><th>Estimated AUROC</th><th>ECE</th><th>Sensitivity</th><th>Specificity</th></tr></thead><tbody>"
        for (stored, p) in zip(evaluations, performance) {
            html += "<tr data-evaluation=\"\(stored.id)\" data-auroc=\"\(HTMLText.attribute(p.auroc))\" data-auroc-low=\"\(HTMLText.attribute(p.aurocCI?.first))\" data-auroc-high=\"\(HTMLText.attribute(p.aurocCI?.last))\" data-estimated-auroc=\"\(HTMLText.attribute(p.estimatedAUROC))\" data-ece=\"\(HTMLText.attribute(p.ece))\">"
            html += "<td>\(stored.evaluation.kind == .window ? "window \(stored.evaluation.windowSeq ?? 0)" : "performance")</td><td>\(HTMLText.escape(stored.evaluation.evaluatedAt))</td><td>\(HTMLText.escape(stored.evaluation.version ?? ""))</td><td class=\"num\">\(p.n)</td><td class=\"num\">\(HTMLText.number(p.auroc))</td><td class=\"num\">\(p.aurocCI.map { $0.count == 2 ? "\(HTMLText.number($0[0]))–\(HTMLText.number($0[1]))" : "" } ?? (p.skipped.map(HTMLText.escape) ?? ""))</td><td class=\"num\">\(HTMLText.number(p.estimatedAUROC))</td><td class=\"num\">\(HTMLText.number(p.ece))</td><td class=\"num\">\(HTMLText.number(p.sensitivity))</td><td class=\"num\">\(HTMLText.number(p.specificity))</td></tr>"
        }
        html += "</tbody></table></details>"
        html += "<h3>Calibration of the latest figures</h3>"
        if data.calibration.isEmpty {
            html += "<p class=\"empty\">No calibration curve: \(HTMLText.escape(data.calibrationNote ?? "no labeled predictions")).</p>"
        } else {
            let chart = ReportCharts.calibration(data.calibration)
            let latest = data.latestPerformance?.evaluation.performance
            let bins = data.calibration.map { "\(HTMLText.number($0.lower, digits: 1))–\(HTMLText.number($0.upper, digits: 1)): n \($0.count), predicted \(HTMLText.number($0.meanScore)), observed \(HTMLText.number($0.eventRate))" }
            html += "<div class=\"side-by-side\">"
            html += ReportCharts.figure(
                id: "chart-calibration", width: chart.width, height: chart.height, title: "Calibration curve of the latest performance sample",
                description: "Observed outcome rate against mean predicted risk in 10 equal-width score bins, \(data.calibrationN) labeled predictions: " + bins.joined(separator: "; ") + ".",
                caption: "Dots sized by the number of predictions; the dashed diagonal is perfect calibration. Stored ECE \(HTMLText.number(latest?.ece)).",
                body: chart.body)
            html += "<table id=\"calibration-table\"><thead><tr><th>Scores</th><th>n</th><th>Mean risk</th><th>Observed</th></tr></thead><tbody>"
            for bin in data.calibration {
                html += "<tr data-count=\"\(bin.count)\"><td>\(HTMLText.number(bin.lower, digits: 1))–\(HTMLText.number(bin.upper, digits: 1))</td><td class=\"num\">\(bin.count)</td><td class=\"num\">\(HTMLText.number(bin.meanScore))</td><td class=\"num\">\(HTMLText.number(bin.eventRate))</td></tr>"
            }
            html += "</tbody></table></div><p class=\"note\">Recomputed for this report from the \(data.calibrationN) most recent labeled predictions up to the evaluation's window end (the sample the monitor evaluates; outcomes joined since then can make it differ slightly from the stored ECE).</p>"
        }
        return html + "</section>"
    }

    private func subgroups() -> String {
        var html = "<section id=\"subgroups\"><h2>Subgroups</h2>"
        guard let latest = data.windowEvaluations.last?.evaluation ?? data.evaluations.last?.evaluation, !latest.subgroups.isEmpty else {
            return html + "<p class=\"empty\">No subgroups evaluated (none configured, or no evaluation yet).</p></section>"
        }
        html += "<p>Evaluation of \(latest.kind == .window ? "window \(latest.windowSeq ?? 0)" : "performance") at \(HTMLText.escape(latest.evaluatedAt)).</p>"
        html += "<table id=\"subgroup-table\"><thead><tr><th>Subgroup</th><th>Predictions</th><th>Outcomes</th><th>AUROC</th><th>95% CI</th><th>ECE</th><th>Sensitivity</th><th>Largest PSI</th><th>Drifted features</th><th>Note</th></tr></thead><tbody>"
        for subgroup in latest.subgroups {
            html += "<tr data-subgroup=\"\(HTMLText.escape(subgroup.label))\" data-n=\"\(subgroup.n)\" data-auroc=\"\(HTMLText.attribute(subgroup.auroc))\"><th scope=\"row\">\(HTMLText.escape(subgroup.label))</th><td class=\"num\">\(subgroup.n)</td><td class=\"num\">\(subgroup.outcomes)</td><td class=\"num\">\(HTMLText.number(subgroup.auroc))</td><td class=\"num\">\(subgroup.aurocCI.map { $0.count == 2 ? "\(HTMLText.number($0[0]))–\(HTMLText.number($0[1]))" : "" } ?? "")</td><td class=\"num\">\(HTMLText.number(subgroup.ece))</td><td class=\"num\">\(HTMLText.number(subgroup.sensitivity))</td><td class=\"num\">\(HTMLText.number(subgroup.driftPSIMax))</td><td>\(HTMLText.escape(subgroup.driftedFeatures.joined(separator: ", ")))</td><td>\(HTMLText.escape(subgroup.skipped ?? ""))</td></tr>"
        }
        return html + "</tbody></table></section>"
    }

    private func alerts() -> String {
        var html = "<section id=\"alerts\"><h2>Alerts</h2>"
        guard !data.alerts.isEmpty else { return html + "<p class=\"empty\">No alert has fired.</p></section>" }
        html += "<table id=\"alerts-table\"><thead><tr><th>Time</th><th>Status</th><th>Alert</th><th>Severity</th><th>About</th><th>Value</th><th>Threshold</th><th>Summary</th></tr></thead><tbody>"
        for entry in data.alerts {
            let about = [entry.alert.key.feature, entry.alert.key.subgroup, entry.alert.key.check].compactMap { $0 }.joined(separator: " ")
            html += "<tr data-seq=\"\(entry.seq)\" data-status=\"\(HTMLText.escape(entry.status))\" data-value=\"\(HTMLText.attribute(entry.alert.value))\"><td>\(HTMLText.escape(RFC3339Short.string(entry.at)))</td><td class=\"status-\(entry.status == "firing" ? "firing" : "resolved")\">\(HTMLText.escape(entry.status))</td><td>\(HTMLText.escape(entry.alert.key.rule.alertName))</td><td>\(HTMLText.escape(entry.alert.severity.rawValue))</td><td>\(HTMLText.escape(about))</td><td class=\"num\">\(HTMLText.number(entry.alert.value))</td><td class=\"num\">\(HTMLText.number(entry.alert.threshold))</td><td>\(HTMLText.escape(entry.alert.summary))</td></tr>"
        }
        return html + "</tbody></table></section>"
    }

    private func audit() -> String {
        var html = "<section id=\"audit\"><h2>Audit trail</h2>"
        guard !data.audit.isEmpty else { return html + "<p class=\"empty\">No actions taken on this model through the control socket.</p></section>" }
        html += "<table id=\"audit-table\"><thead><tr><th>Time</th><th>Who</th><th>Role</th><th>Command</th><th>Arguments</th><th>Result</th></tr></thead><tbody>"
        for entry in data.audit {
            html += "<tr data-seq=\"\(entry.seq)\"><td>\(HTMLText.escape(entry.at))</td><td>\(HTMLText.escape(entry.user))</td><td>\(HTMLText.escape(entry.role))</td><td>\(HTMLText.escape(entry.command))</td><td class=\"reason\"><code>\(HTMLText.escape(entry.arguments))</code></td><td>\(HTMLText.escape(entry.result))</td></tr>"
        }
        return html + "</tbody></table></section>"
    }

    // MARK: Helpers

    private static func gate(_ report: GateReport?) -> String {
        guard let report else { return "" }
        return "\(report.passed ? "pass" : "<strong>fail</strong>") \(HTMLText.number(report.candidateAUROC)) vs \(HTMLText.number(report.productionAUROC)) (n=\(report.outcomes))"
    }

    /// The heat map and its table show at most this many windows, the most recent.
    static let maximumWindows = 120

    /// The lane and colour of a life-cycle event kind on the timeline.
    static func lane(of kind: String) -> (String, String) {
        switch kind {
        case "registered", "retrain_started": ("trained", ReportCharts.grey)
        case "retrain_failed": ("trained", ReportCharts.vermillion)
        case "staged", "awaiting_approval", "approved", "shadow_passed", "shadow_failed": ("staged", ReportCharts.skyBlue)
        case "promoted", "probation_passed": ("promoted", ReportCharts.green)
        case "rejected": ("rejected", ReportCharts.vermillion)
        case "rolled_back", "probation_failed": ("rolled back", ReportCharts.vermillion)
        case "paused", "resumed": ("paused/resumed", ReportCharts.purple)
        default: (kind, ReportCharts.blue)
        }
    }

    /// A feature name as part of an element id.
    static func slug(_ name: String) -> String {
        String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" })
    }

    static let styleSheet = """
    :root { color-scheme: light; }
    body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff; margin: 0; }
    header, main { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
    header { padding-top: 16px; border-bottom: 2px solid #0072B2; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    .meta, .note { color: #555; font-size: 12px; }
    nav { margin: 6px 0 10px; font-size: 13px; }
    nav a { color: #0072B2; }
    table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12.5px; max-width: 100%; }
    th, td { border: 1px solid #d5d5d5; padding: 3px 7px; text-align: left; vertical-align: top; }
    thead th { background: #f0f4f8; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.reason { max-width: 420px; overflow-wrap: anywhere; }
    td.drifted { font-weight: bold; }
    table.summary th { width: 200px; background: #f6f6f6; }
    .paused { color: #D55E00; }
    .status-firing { color: #D55E00; font-weight: bold; }
    .status-resolved { color: #009E73; }
    .empty { color: #555; font-style: italic; }
    figure.chart { margin: 10px 0 14px; overflow-x: auto; }
    figure.chart svg { display: block; max-width: 100%; height: auto; font-family: inherit; }
    figcaption { font-size: 12px; color: #444; margin-top: 4px; max-width: 900px; }
    .histograms { display: flex; flex-wrap: wrap; gap: 10px 24px; }
    .histograms figure.chart { width: 420px; }
    .side-by-side { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
    .side-by-side figure.chart { width: 320px; }
    details summary { cursor: pointer; color: #0072B2; font-size: 13px; }
    code { font-size: 11.5px; }
    @media print {
      body { font-size: 11px; }
      header, main { max-width: none; padding: 0; }
      nav { display: none; }
      section { break-inside: auto; }
      figure.chart, table, tr { break-inside: avoid; }
      h2 { break-after: avoid; }
      details > summary { display: none; }
      details::details-content { content-visibility: visible; display: block; }
      a { color: inherit; text-decoration: none; }
    }
    """
}
