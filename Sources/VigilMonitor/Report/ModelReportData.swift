import Foundation
import VigilML
import VigilStats
import VigilStore

/// Everything `vigil report MODEL` draws, read from the state database (read-only): the
/// model's state, registry, life-cycle events, evaluations, alerts and audit trail, and for the
/// latest window the reference and current histograms of its features and the calibration of
/// its labeled sample.
struct ModelReportData: Sendable {
    /// The model's pause state (`model_state`).
    struct State: Sendable, Equatable {
        var status: String
        var reason: String?
        var changedAt: String
        var changedBy: String
    }

    /// One row of `lifecycle_events`.
    struct LifecycleEntry: Sendable, Equatable {
        var seq: Int64
        var at: String
        var version: Int?
        var kind: String
        var fromState: String?
        var toState: String?
        var actor: String
        var reason: String
    }

    /// One row of `alert_events`, with its alert decoded.
    struct AlertEntry: Sendable, Equatable {
        var seq: Int64
        var at: Double
        var status: String
        var alert: Alert
    }

    /// A stored evaluation (`evaluations.details`) with its row id.
    struct StoredEvaluation: Sendable, Equatable {
        var id: Int64
        var evaluatedAt: Double
        /// The window's end on prediction time (`evaluations.window_end`), exact where the JSON rounds it.
        var windowEnd: Double?
        var evaluation: Evaluation
    }

    /// One feature's histogram in the latest window: the reference's and the window's counts
    /// over the same bins (the PSI bins of a numeric feature, the categories of a categorical one).
    struct FeatureHistogram: Sendable, Equatable {
        var feature: String
        var labels: [String]
        var reference: [Int]
        var current: [Int]
        var psi: Double?
    }

    /// The calibration of a labeled sample over the 10 equal-width bins of the ECE.
    struct CalibrationBin: Sendable, Equatable {
        var lower: Double
        var upper: Double
        var count: Int
        var meanScore: Double
        var eventRate: Double
    }

    var model: String
    var databasePath: String
    var state: State?
    var counters: (predictions: Int64, outcomes: Int64, joined: Int64, quarantined: Int64)?
    var versions: [ModelRegistry.Version] = []
    var lifecycle: [LifecycleEntry] = []
    /// Evaluations oldest first, both kinds.
    var evaluations: [StoredEvaluation] = []
    var alerts: [AlertEntry] = []
    /// Alerts firing now (`alert_states`).
    var firingAlerts: [Alert] = []
    var audit: [AuditEntry] = []
    /// Where the reference of the latest window came from, and why histograms are missing if they are.
    var referenceSource: String?
    var histogramNote: String?
    var histograms: [FeatureHistogram] = []
    /// Calibration of the latest performance figures' sample, recomputed from the stored outcomes.
    var calibration: [CalibrationBin] = []
    var calibrationN = 0
    var calibrationNote: String?
    /// Whether vigild was ever configured with the model (`models`).
    var isConfigured = false

    /// Window evaluations, oldest first.
    var windowEvaluations: [StoredEvaluation] { evaluations.filter { $0.evaluation.kind == .window } }
    /// The last evaluation that has realized or estimated performance.
    var latestPerformance: StoredEvaluation? { evaluations.last { $0.evaluation.performance != nil } }

    /// Whether the database knows the model at all.
    var isKnown: Bool { isConfigured || state != nil || counters != nil || !versions.isEmpty || !evaluations.isEmpty }

    init(model: String, databasePath: String) {
        self.model = model
        self.databasePath = databasePath
    }

    /// Reads everything about `model` from the state database at `path`, read-only.
    static func read(databasePath path: String, model: String) throws -> ModelReportData {
        let database = try Database(path: path, options: .init(readOnly: true))
        var data = ModelReportData(model: model, databasePath: path)
        let schema = try database.userVersion
        data.isConfigured = try database.scalar("SELECT count(*) FROM models WHERE name = ?", model)?.int ?? 0 > 0
        if let row = try database.query(
            "SELECT predictions_ingested, outcomes_ingested, joined, quarantined FROM model_stats WHERE model = ?", model).first {
            data.counters = (row["predictions_ingested"].int64 ?? 0, row["outcomes_ingested"].int64 ?? 0,
                             row["joined"].int64 ?? 0, row["quarantined"].int64 ?? 0)
        }
        if schema >= 3 {
            if let row = try database.query("SELECT status, reason, changed_at, changed_by FROM model_state WHERE model = ?", model).first {
                data.state = State(status: row["status"].string ?? "active", reason: row["reason"].string,
                                   changedAt: row["changed_at"].string ?? "", changedBy: row["changed_by"].string ?? "")
            }
            data.audit = try AuditEntry.read(from: database, model: model, since: nil, limit: 500)
        }
        if schema >= 4 {
            for row in try database.query("SELECT id, evaluated_at, window_end, details FROM evaluations WHERE model = ? ORDER BY evaluated_at, id", model) {
                guard let text = row["details"].string,
                      let evaluation = try? JSONDecoder().decode(Evaluation.self, from: Data(text.utf8)) else { continue }
                data.evaluations.append(StoredEvaluation(
                    id: row["id"].int64 ?? 0, evaluatedAt: row["evaluated_at"].double ?? 0, windowEnd: row["window_end"].double, evaluation: evaluation))
            }
            for row in try database.query("SELECT seq, at, status, alert FROM alert_events WHERE model = ? ORDER BY seq", model) {
                guard let text = row["alert"].string, let alert = try? JSONDecoder().decode(Alert.self, from: Data(text.utf8)) else { continue }
                data.alerts.append(AlertEntry(seq: row["seq"].int64 ?? 0, at: row["at"].double ?? 0, status: row["status"].string ?? "", alert: alert))
            }
            for row in try database.query("SELECT alert FROM alert_states WHERE model = ? AND state = 'firing' AND alert IS NOT NULL", model) {
                if let text = row["alert"].string, let alert = try? JSONDecoder().decode(Alert.self, from: Data(text.utf8)) {
                    data.firingAlerts.append(alert)
                }
            }
        }
        if schema >= 5 {
            let registry = ModelRegistry(database: database)
            data.versions = try registry.versions(of: model)
            for row in try database.query("SELECT * FROM lifecycle_events WHERE model = ? ORDER BY seq", model) {
                data.lifecycle.append(LifecycleEntry(
                    seq: row["seq"].int64 ?? 0, at: row["at"].string ?? "", version: row["version"].int, kind: row["kind"].string ?? "",
                    fromState: row["from_state"].string, toState: row["to_state"].string, actor: row["actor"].string ?? "",
                    reason: row["reason"].string ?? ""))
            }
        }
        if schema >= 4 {
            data.readHistograms(database: database)
            data.readCalibration(database: database)
        }
        return data
    }

    /// The latest window's histograms: reference bins from the reference the evaluation names,
    /// window values read back from the window's stored prediction lines.
    private mutating func readHistograms(database: Database) {
        guard let latest = windowEvaluations.last?.evaluation, let seq = latest.windowSeq else { return }
        referenceSource = latest.reference
        guard let source = latest.reference else {
            histogramNote = "the latest window was not compared with a reference"
            return
        }
        let overall = latest.features.filter { $0.subgroup == nil }
        let layout = WindowLayout(
            numeric: overall.filter { $0.type == .numeric }.map(\.name),
            categorical: overall.filter { $0.type == .categorical }.map(\.name),
            subgroups: [])
        let reference: ReferenceProfile
        do {
            reference = try Self.referenceProfile(source: source, database: database, model: model, layout: layout)
        } catch {
            histogramNote = "reference histograms not available: \(error)"
            return
        }
        let store = EvaluationStore(database: database)
        let window: EvaluationStore.ClosedWindow
        do {
            guard let row = try database.query(
                "SELECT start_ts, end_ts, count, quarantined, first_row, last_row FROM windows WHERE model = ? AND seq = ?", model, seq).first else {
                histogramNote = "window \(seq) is no longer stored"
                return
            }
            window = .init(seq: seq, start: row["start_ts"].double, end: row["end_ts"].double, count: row["count"].int ?? 0,
                           quarantined: row["quarantined"].int ?? 0, firstRow: row["first_row"].int64, lastRow: row["last_row"].int64)
        } catch {
            histogramNote = "window \(seq) could not be read: \(error)"
            return
        }
        guard let values = try? store.windowData(model: model, window: window, layout: layout).data, values.count > 0 else {
            histogramNote = "the predictions of window \(seq) are no longer stored"
            return
        }
        for feature in overall {
            guard let column = reference.column(named: feature.name) else { continue }
            switch column {
            case .numeric(let profile):
                guard let index = layout.numeric.firstIndex(of: feature.name) else { continue }
                let present = values.numeric[index].filter { !$0.isNaN }.sorted()
                let current = PSI.binCounts(sorted: present, edges: profile.edges)
                histograms.append(FeatureHistogram(
                    feature: feature.name, labels: Self.binLabels(profile.edges), reference: profile.binCounts, current: current, psi: feature.psi))
            case .categorical(let profile):
                guard let index = layout.categorical.firstIndex(of: feature.name) else { continue }
                var counts: [String: Int] = [:]
                for value in values.categorical[index] { if let value { counts[value, default: 0] += 1 } }
                let categories = Set(profile.categoryCounts.keys).union(counts.keys).sorted()
                histograms.append(FeatureHistogram(
                    feature: feature.name, labels: categories, reference: categories.map { profile.categoryCounts[$0] ?? 0 },
                    current: categories.map { counts[$0] ?? 0 }, psi: feature.psi))
            }
        }
    }

    /// `< e1`, `e1 – e2`, …, `≥ ek` for PSI bins with interior edges `edges`.
    static func binLabels(_ edges: [Double]) -> [String] {
        guard !edges.isEmpty else { return ["all"] }
        func text(_ value: Double) -> String { NumberFormatting.format(value, digits: 3) }
        var labels = ["< \(text(edges[0]))"]
        for index in 1..<max(edges.count, 1) where index < edges.count { labels.append("\(text(edges[index - 1]))–\(text(edges[index]))") }
        labels.append("≥ \(text(edges[edges.count - 1]))")
        return labels
    }

    /// The reference an evaluation names: a stored baseline, a model version's training
    /// profile (its model file), or a reference file read again.
    static func referenceProfile(source: String, database: Database, model: String, layout: WindowLayout) throws -> ReferenceProfile {
        if source.hasPrefix("baseline window") {
            guard let stored = try EvaluationStore(database: database).baseline(model: model) else {
                throw ReportSourceError("no baseline is stored")
            }
            return stored.overall
        }
        if source.hasPrefix("model version "),
           let number = source.dropFirst("model version ".count).split(separator: " ").first.flatMap({ Int($0) }) {
            guard let version = try ModelRegistry(database: database).version(number, of: model) else {
                throw ReportSourceError("version \(number) is not in the registry")
            }
            var path = version.path
            if !path.hasPrefix("/") {
                let stateDirectory = (database.path as NSString).deletingLastPathComponent
                path = (stateDirectory as NSString).appendingPathComponent(path)
            }
            return try ModelFile.read(path).reference
        }
        if source.hasPrefix("reference file ") {
            let path = String(source.dropFirst("reference file ".count))
            return ModelReference.profile(of: try ReferenceFile.read(path: path, layout: layout), binCount: 10)
        }
        throw ReportSourceError("unknown reference \(source)")
    }

    /// Calibration of the latest performance evaluation, recomputed on the same kind of sample
    /// the monitor used: the `n` most recent joined predictions up to the window's end (of the
    /// production version when the model has a registry). Outcomes joined since can make it
    /// differ slightly from the stored figures.
    private mutating func readCalibration(database: Database) {
        guard let stored = latestPerformance, let performance = stored.evaluation.performance else {
            calibrationNote = "no performance evaluation yet"
            return
        }
        guard performance.n > 0 else {
            calibrationNote = "no labeled predictions yet"
            return
        }
        // A performance evaluation between windows was judged up to the last window's end, as the monitor does.
        let until = stored.windowEnd ?? windowEvaluations.last { $0.evaluatedAt <= stored.evaluatedAt }?.windowEnd
        let version = versions.isEmpty ? nil : stored.evaluation.version
        guard let sample = try? EvaluationStore(database: database).labeledSample(
            model: model, subgroupNames: [], limit: performance.n, until: until, version: version), sample.count > 0 else {
            calibrationNote = "the labeled predictions are no longer stored"
            return
        }
        calibrationN = sample.count
        var counts = [Int](repeating: 0, count: Calibration.binCount)
        var scores = [Double](repeating: 0, count: Calibration.binCount)
        var events = [Int](repeating: 0, count: Calibration.binCount)
        for (score, label) in zip(sample.scores, sample.labels) {
            let bin = Calibration.bin(of: score)
            counts[bin] += 1
            scores[bin] += score
            if label { events[bin] += 1 }
        }
        calibration = (0..<Calibration.binCount).compactMap { bin in
            guard counts[bin] > 0 else { return nil }
            return CalibrationBin(lower: Double(bin) / 10, upper: Double(bin + 1) / 10, count: counts[bin],
                                  meanScore: scores[bin] / Double(counts[bin]), eventRate: Double(events[bin]) / Double(counts[bin]))
        }
    }
}

/// Why part of a report could not be drawn.
struct ReportSourceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
