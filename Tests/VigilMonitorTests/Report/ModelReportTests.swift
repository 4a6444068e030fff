import Foundation
import Testing
import VigilStats
import VigilStore
import VigilTestSupport
@testable import VigilMonitor

/// The HTML report on a real state database (the real migrations, rows written by the
/// monitor's own store): empty states, escaping, and numbers equal to the stored ones.
@Suite struct ModelReportTests {
    let directory: TemporaryDirectory
    let databasePath: String
    let database: Database

    init() throws {
        directory = try TemporaryDirectory()
        databasePath = directory.file("vigil.db")
        database = try Database(path: databasePath)
        try database.migrate(StateSchema.migrations)
    }

    func addModel(_ name: String, predictions: Int = 0) throws {
        try database.run("INSERT INTO models (name, first_configured_at) VALUES (?, '2026-11-01T00:00:00Z')", name)
        try database.run("INSERT INTO model_stats (model, predictions_ingested, outcomes_ingested, joined) VALUES (?, ?, ?, ?)",
                         name, predictions, predictions / 2, predictions / 2)
    }

    static func evaluation(model: String, seq: Int64, auroc: Double, lactatePSI: Double) -> Evaluation {
        let features = [
            FeatureEvaluation(name: "age", type: .numeric, subgroup: nil, n: 500, psi: 0.01 * Double(seq), drifted: false, ignored: false),
            FeatureEvaluation(name: "lactate", type: .numeric, subgroup: nil, n: 480, psi: lactatePSI, drifted: lactatePSI > 0.25, ignored: false),
            FeatureEvaluation(name: "lactate", type: .numeric, subgroup: "site=ED-1", n: 160, psi: lactatePSI * 2, drifted: lactatePSI > 0.1, ignored: false),
        ]
        let performance = PerformanceEvaluation(
            n: 400, positives: 40, threshold: 0.2, auroc: auroc, aurocCI: [auroc - 0.041234, auroc + 0.038765], ece: 0.0321 + Double(seq) / 1000,
            sensitivity: 0.71, specificity: 0.8, estimatedN: 500, estimatedAUROC: auroc + 0.0123456789)
        let subgroups = [SubgroupEvaluation(name: "site", value: "ED-1", n: 160, outcomes: 130, auroc: auroc - 0.05, aurocCI: [0.6, 0.9],
                                            ece: 0.05, sensitivity: 0.6, driftPSIMax: lactatePSI * 2, driftedFeatures: ["lactate"])]
        return Evaluation(
            kind: .window, model: model, version: "3", windowSeq: seq,
            windowStart: RFC3339Timestamp.string(fromUnixSeconds: 1_795_000_000 + Double(seq) * 30_000),
            windowEnd: RFC3339Timestamp.string(fromUnixSeconds: 1_795_000_000 + Double(seq + 1) * 30_000 - 60),
            evaluatedAt: RFC3339Timestamp.string(fromUnixSeconds: 1_795_100_000 + Double(seq)), n: 500, reference: "baseline window 0",
            driftedShare: 0, features: features, score: ScoreEvaluation(psi: lactatePSI / 2), volume: nil, quarantined: 0, quarantineRate: 0,
            unknownFeatures: nil, performance: performance, subgroups: subgroups, notes: [])
    }

    func render(_ model: String) throws -> String {
        try ModelReport.render(databasePath: databasePath, model: model, generatedAt: Date(timeIntervalSince1970: 1_795_200_000))
    }

    @Test("a model with no evaluations, versions, alerts or audit entries gets a report that says so in each section")
    func emptyModel() throws {
        try addModel("sepsis")
        let html = try render("sepsis")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("id=\"no-evaluations\""))
        #expect(html.contains("No window has been evaluated yet."))
        #expect(html.contains("No performance figures yet"))
        #expect(html.contains("No alert has fired."))
        #expect(html.contains("No registered versions"))
        #expect(html.contains("No actions taken on this model"))
        #expect(!html.contains("<svg"))
        for section in ["summary", "versions", "drift", "performance", "subgroups", "alerts", "audit"] {
            #expect(html.contains("<section id=\"\(section)\""), "\(section)")
        }
    }

    @Test("a model the database does not know is an error, not an empty report")
    func unknownModel() throws {
        try addModel("sepsis")
        #expect(throws: (any Error).self) { try render("other") }
    }

    @Test("model names, reasons, arguments and summaries from users are escaped: a <script> in a reason is shown as text")
    func escaping() throws {
        let model = "risk<b>&\"x\""
        let reason = "assay under review <script>alert('x')</script>"
        try addModel(model, predictions: 10)
        try database.run("INSERT INTO model_state (model, status, reason, changed_at, changed_by) VALUES (?, 'paused', ?, '2026-11-29T10:00:00Z', 'dr<i>who')",
                         model, reason)
        try database.run("INSERT INTO lifecycle_events (at, model, version, kind, actor, reason) VALUES ('2026-11-29T10:00:00Z', ?, 1, 'paused', 'clinician', ?)",
                         model, reason)
        try database.run("INSERT INTO audit (at, uid, user, role, command, model, arguments, result) VALUES ('2026-11-29T10:00:00Z', 0, 'clinician', 'clinical_owner', 'pause', ?, ?, 'ok')",
                         model, "{\"reason\":\"\(reason)\"}")
        let alert = Alert(key: AlertKey(model: model, rule: .drift, feature: "lac<tate>"), status: .firing, severity: .warning, version: "1",
                          value: 0.4, threshold: 0.25, summary: "drift in <lac>", description: "", windowStart: nil, windowEnd: nil,
                          startsAt: 1_795_000_000, endsAt: nil)
        try EvaluationStore(database: database).recordTransition(alert, now: 1_795_000_000)
        let html = try render(model)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>&"))
        #expect(!html.contains("dr<i>who"))
        #expect(!html.contains("<lac>"))
        #expect(html.contains("assay under review &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("risk&lt;b&gt;&amp;&quot;x&quot;"))
        #expect(html.contains("drift in &lt;lac&gt;"))
        #expect(html.contains("class=\"paused\">paused</strong>"))
    }

    @Test("the AUROC, its interval, the estimate, ECE and PSI in the page are the stored values")
    func numbersEqualTheDatabase() throws {
        try addModel("sepsis", predictions: 2_000)
        let store = EvaluationStore(database: database)
        for (seq, (auroc, psi)) in [(0.8123456, 0.02), (0.79, 0.31), (0.7712, 0.45), (0.80, 0.05)].enumerated() {
            try database.transaction {
                try store.save(Self.evaluation(model: "sepsis", seq: Int64(seq + 1), auroc: auroc, lactatePSI: psi),
                               windowStart: nil, windowEnd: nil, now: 1_795_100_000 + Double(seq))
            }
        }
        let html = try render("sepsis")
        let rows = Self.rows(in: html, table: "performance-table")
        let stored = try database.query("SELECT id, auroc, auroc_low, auroc_high, estimated_auroc, ece FROM evaluations WHERE model = 'sepsis' ORDER BY id")
        #expect(rows.count == stored.count)
        for (row, record) in zip(rows, stored) {
            #expect(row["data-evaluation"] == record["id"].int64.map(String.init))
            for (attribute, column) in [("data-auroc", "auroc"), ("data-auroc-low", "auroc_low"), ("data-auroc-high", "auroc_high"),
                                        ("data-estimated-auroc", "estimated_auroc"), ("data-ece", "ece")] {
                #expect(row[attribute].flatMap(Double.init) == record[column].double, "\(attribute)")
            }
        }
        let cells = Self.elements(in: html, containing: "data-psi=", after: "id=\"drift-table\"")
        let psi = try database.query("SELECT f.psi, e.window_seq, f.feature FROM evaluation_features f JOIN evaluations e ON e.id = f.evaluation WHERE f.subgroup = '' ORDER BY e.id, f.feature")
        let shown = cells.filter { $0["data-feature"] != nil }.prefix(psi.count)
        #expect(shown.count == psi.count)
        for (cell, record) in zip(shown, psi) {
            #expect(cell["data-feature"] == record["feature"].string)
            #expect(cell["data-psi"].flatMap(Double.init) == record["psi"].double)
        }
        // The heat map draws every cell; the latest window's subgroup row and the summary show the latest figures.
        #expect(html.components(separatedBy: "<rect x=").count > 4 * 3)
        #expect(html.contains("data-subgroup=\"site=ED-1\" data-n=\"160\" data-auroc=\"0.75\""))
        #expect(html.contains("<span data-auroc=\"0.8\">"))
        #expect(html.contains("<span data-count=\"2000\">2000</span>"))
        // No reference is stored, so there are no histograms, and the page says why.
        #expect(html.contains("reference histograms not available: no baseline is stored"))
    }

    @Test("the latest window's histograms: the stored baseline's bins against the window's values read back from its prediction lines; calibration from its labeled predictions")
    func histogramsAndCalibrationFromStoredLines() throws {
        try addModel("sepsis", predictions: 400)
        let layout = WindowLayout(numeric: ["lactate"], categorical: ["site"], subgroups: [])
        var baseline = WindowData(layout: layout)
        for i in 0..<500 {
            baseline.append(WindowRow(timestamp: Double(i), score: 0.1, version: nil, numeric: [1 + Double(i % 20) / 10],
                                      categorical: [i % 3 == 0 ? "ED-1" : "ED-2"], subgroups: []))
        }
        let store = EvaluationStore(database: database)
        try store.saveBaseline(ModelReference(source: "baseline window 1", data: baseline, binCount: 10), model: "sepsis", now: 1)
        // Window 2: 400 predictions, lactate 1.5 higher, a new site; all joined to outcomes.
        var lines: [UInt8] = []
        var values: [Double] = []
        try database.run("INSERT INTO model_keys (key, name) VALUES (1, 'sepsis')")
        for i in 0..<400 {
            let lactate = 2.5 + Double(i % 20) / 10
            values.append(lactate)
            let score = Double(i % 10) / 10 + 0.05
            let line = Array("{\"id\":\"p-\(i)\",\"ts\":\(1_795_000_000 + i),\"score\":\(score),\"features\":{\"lactate\":\(lactate),\"site\":\"\(i % 4 == 0 ? "ED-3" : "ED-1")\"}}\n".utf8)
            try database.run(
                "INSERT INTO predictions (row, model_key, id, ts, expires_at, score, segment, line_start, line_length, status, label) VALUES (?, 1, ?, ?, 0, ?, 1, ?, ?, 'joined', ?)",
                i + 1, "p-\(i)", 1_795_000_000 + Double(i), score, lines.count, line.count - 1, i % 3 == 0 ? 1 : 0)
            lines += line
        }
        try database.run("INSERT INTO prediction_segments (segment, model, first_row, last_row, min_expires_at, max_expires_at, lines) VALUES (1, 'sepsis', 1, 400, 0, 0, ?)", lines)
        try database.run("INSERT INTO windows (model, seq, status, start_ts, end_ts, count, first_row, last_row, opened_at, updated_at) VALUES ('sepsis', 2, 'evaluated', 1795000000, 1795000399, 400, 1, 400, 0, 0)")
        var evaluation = Self.evaluation(model: "sepsis", seq: 2, auroc: 0.7, lactatePSI: 0.9)
        evaluation.reference = "baseline window 1"
        evaluation.features = [
            FeatureEvaluation(name: "lactate", type: .numeric, subgroup: nil, n: 400, psi: 0.9, drifted: true, ignored: false),
            FeatureEvaluation(name: "site", type: .categorical, subgroup: nil, n: 400, psi: 0.3, drifted: true, ignored: false),
        ]
        evaluation.performance?.n = 400
        evaluation.version = nil
        try database.transaction { try store.save(evaluation, windowStart: 1_795_000_000, windowEnd: 1_795_000_399, now: 1_795_100_000) }

        let html = try render("sepsis")
        let histograms = Self.elements(in: html, containing: "data-reference-counts=", after: "<h3>Latest window against the reference</h3>")
        let lactate = try #require(histograms.first { $0["data-feature"] == "lactate" }, "\(html.components(separatedBy: "<h3>Latest window against the reference</h3>").last?.prefix(300) ?? "")")
        guard case .numeric(let profile)? = try store.baseline(model: "sepsis")?.overall.column(named: "lactate") else {
            Issue.record("no lactate profile")
            return
        }
        #expect(lactate["data-reference-counts"] == profile.binCounts.map(String.init).joined(separator: ","))
        #expect(lactate["data-current-counts"] == PSI.binCounts(sorted: values.sorted(), edges: profile.edges).map(String.init).joined(separator: ","))
        let site = try #require(histograms.first { $0["data-feature"] == "site" })
        // Categories in order, the reference's and the window's: ED-1, ED-2, ED-3 (new).
        #expect(site["data-reference-counts"] == "167,333,0")
        #expect(site["data-current-counts"] == "300,0,100")
        #expect(html.contains("id=\"chart-histogram-lactate\"") && html.contains("id=\"chart-histogram-site\""))
        // Calibration: the 400 labeled predictions in their score bins (40 in each).
        let bins = Self.elements(in: html, containing: "data-count=", after: "id=\"calibration-table\"").compactMap { $0["data-count"] }
        #expect(bins == Array(repeating: "40", count: 10))
    }

    /// The attributes of each `<tr>` in the table with `id`.
    static func rows(in html: String, table id: String) -> [[String: String]] {
        elements(in: html, containing: "data-evaluation=", after: "id=\"\(id)\"").filter { $0["tag"] == "tr" }
    }

    /// The attributes of each start tag after `marker` (up to the next `</table>`) that contains `needle`.
    static func elements(in html: String, containing needle: String, after marker: String) -> [[String: String]] {
        guard let start = html.range(of: marker) else { return [] }
        let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex)?.lowerBound ?? html.endIndex
        var result: [[String: String]] = []
        for piece in html[start.upperBound..<end].components(separatedBy: "<").dropFirst() {
            guard let close = piece.firstIndex(of: ">") else { continue }
            let tag = String(piece[..<close])
            guard tag.contains(needle) else { continue }
            var attributes: [String: String] = ["tag": String(tag.prefix { $0 != " " })]
            for match in tag.matches(of: /([a-z-]+)="([^"]*)"/) { attributes[String(match.1)] = String(match.2) }
            result.append(attributes)
        }
        return result
    }
}
