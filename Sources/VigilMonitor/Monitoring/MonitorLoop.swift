import VigilStats
import Foundation
import VigilStore
import VigilSystemd

/// The monitor thread's own state: its connection, references, and what it saw last.
struct MonitorLoop {
    let databasePath: String
    let journal: Journal
    let outputs: MonitorEngine.Outputs
    private var database: Database?
    private var failing = false
    /// Reference files read, by model: the file's identity and the layout they were read for.
    private var fileReferences: [String: (signature: String, result: Result<ModelReference, ReferenceFileError>)] = [:]
    /// Baselines read from (or just written to) the state database, by model: decoded once.
    private var baselines: [String: ModelReference] = [:]
    private var joinedAtLastEvaluation: [String: Int64] = [:]
    private var lastPredictionCount: [String: (count: Int64, seenAt: Double)] = [:]
    private var lastEvaluations: [String: Evaluation] = [:]
    private var lastSnapshotAt = 0.0
    private var lastStatus = ""
    /// Asked between windows, so that a stop does not wait for a backlog of evaluations.
    var shouldStop: () -> Bool = { false }

    init(databasePath: String, journal: Journal, outputs: MonitorEngine.Outputs) {
        self.databasePath = databasePath
        self.journal = journal
        self.outputs = outputs
    }

    mutating func tick(models: [ModelConfig], now: Double) {
        do {
            if database == nil { database = try Database(path: databasePath) }
            guard let database else { return }
            let store = EvaluationStore(database: database)
            var evaluated = false
            for model in models {
                evaluated = try evaluate(model, store: store, now: now) || evaluated
            }
            if failing {
                journal.log(.notice, "evaluations are running again")
                failing = false
            }
            if evaluated || now - lastSnapshotAt >= MonitorEngine.snapshotInterval {
                try publish(models: models, store: store, now: now)
            }
        } catch {
            if !failing {
                journal.log(.error, "evaluation failed, retrying every second: \(error)", fields: ["VIGIL_DATABASE": databasePath])
                failing = true
            }
            database = nil
        }
    }

    /// Evaluates what is due for `model`; returns whether anything was evaluated.
    private mutating func evaluate(_ model: ModelConfig, store: EvaluationStore, now: Double) throws -> Bool {
        let evaluator = WindowEvaluator(model: model)
        let layout = WindowLayout(model: model)
        var evaluated = false
        if case .duration(_, let closeAfter?) = model.window {
            try store.closeIdleWindow(model: model.name, idleSince: now - Double(closeAfter.seconds), now: now)
        }
        // Read (or re-read, once changed) the reference file before any window closes, so that
        // the first window's evaluation does not wait for it.
        if model.referencePath != nil {
            var ignored: [String] = []
            _ = try reference(for: model, layout: layout, store: store, notes: &ignored)
        }
        for window in try store.closedWindows(model: model.name) {
            if shouldStop() { return evaluated }
            var notes: [String] = []
            let (data, unreadable) = try store.windowData(model: model.name, window: window, layout: layout)
            if unreadable > 0 {
                notes.append("\(unreadable) of the window's stored prediction lines could not be read back")
                journal.log(.error, "\(model.name): \(unreadable) stored prediction line(s) of window \(window.seq) could not be read back",
                            fields: ["VIGIL_MODEL": model.name])
            }
            var reference = try reference(for: model, layout: layout, store: store, notes: &notes)
            if reference == nil, model.referencePath == nil, model.production == nil, data.count > 0 {
                let baseline = ModelReference(source: "baseline window \(window.seq)", data: data, binCount: model.drift.decision.binCount)
                try store.saveBaseline(baseline, model: model.name, now: now)
                baselines[model.name] = baseline
                reference = baseline
                notes.append("window \(window.seq) is the model's baseline: later windows are compared with it")
            }
            let labeled = try store.labeledSample(
                model: model.name, subgroupNames: model.subgroups, limit: model.performance.window, until: window.end,
                version: model.production.map { String($0.version) })
            let counters = try store.counters(model: model.name)
            var evaluation = evaluator.evaluate(
                window: data, seq: window.seq, start: window.start, end: window.end, quarantined: window.quarantined,
                reference: reference, labeled: labeled, now: now)
            evaluation.notes = notes + evaluation.notes
            let unknown = try store.unknownFeatures(model: model.name)
            evaluation.unknownFeatures = unknown.isEmpty ? nil : unknown
            let lag = counters.predictionWatermark.flatMap { p in counters.outcomeWatermark.map { o in max(0, p - o) } }
            let observations = AlertConditions.observations(
                for: evaluation, model: model, outcomeLag: lag, windowStart: window.start, windowEnd: window.end)
            let transitions = try commit(evaluation, observations, time: window.end ?? now, store: store, now: now,
                                         windowStart: window.start, windowEnd: window.end, model: model)
            report(evaluation, transitions: transitions)
            joinedAtLastEvaluation[model.name] = counters.joined
            lastEvaluations[model.name] = evaluation
            evaluated = true
            MemoryRelease.afterEvaluation()
        }

        // Performance again between windows, once enough late outcomes have been joined.
        let counters = try store.counters(model: model.name)
        let joinedBefore = joinedAtLastEvaluation[model.name] ?? counters.joined
        joinedAtLastEvaluation[model.name] = joinedBefore
        if counters.joined - joinedBefore >= Int64(model.performance.reevaluateEvery) {
            // Up to the last evaluated window's end: late outcomes of past windows count, and a
            // replayed log does not mix in outcomes from later than the windows judged so far.
            let until = try store.lastEvaluatedWindowEnd(model: model.name)
            let labeled = try store.labeledSample(
                model: model.name, subgroupNames: model.subgroups, limit: model.performance.window, until: until,
                version: model.production.map { String($0.version) })
            let evaluation = evaluator.evaluatePerformance(labeled: labeled, version: lastEvaluations[model.name]?.version, now: now)
            let observations = AlertConditions.observations(for: evaluation, model: model, outcomeLag: nil, windowStart: nil, windowEnd: nil)
            let transitions = try commit(evaluation, observations, time: counters.predictionWatermark ?? now, store: store, now: now,
                                         windowStart: nil, windowEnd: nil)
            report(evaluation, transitions: transitions)
            joinedAtLastEvaluation[model.name] = counters.joined
            if var last = lastEvaluations[model.name] {
                last.performance = evaluation.performance
                lastEvaluations[model.name] = last
            }
            evaluated = true
        }

        // Silence, on wall time: how long since the prediction count last moved.
        let seen = lastPredictionCount[model.name]
        if seen == nil || seen!.count != counters.predictions {
            lastPredictionCount[model.name] = (counters.predictions, now)
        }
        if let since = lastPredictionCount[model.name]?.seenAt,
           let observation = AlertConditions.silence(model: model, secondsSinceLastPrediction: now - since, now: now) {
            // Most ticks change nothing: only write when the check breaches or an alert is live.
            let phase = try store.phase(of: observation.key)
            if observation.breaching || phase == .pending || phase == .firing {
                let transitions = try store.database.transaction {
                    try apply([observation], time: now, store: store, now: now)
                }
                report(transitions: transitions)
            }
        }
        return evaluated
    }

    /// The model's reference: its reference file (read again when the file or the features
    /// change), else its stored baseline.
    private mutating func reference(for model: ModelConfig, layout: WindowLayout, store: EvaluationStore, notes: inout [String]) throws -> ModelReference? {
        guard let path = model.referencePath else {
            if let production = model.production {
                // The training data of the version in production, as its model file profiles it.
                return ModelReference(source: "model version \(production.version) (its training data)", overall: production.reference)
            }
            if let cached = baselines[model.name] { return cached }
            let stored = try store.baseline(model: model.name)
            baselines[model.name] = stored
            return stored
        }
        var status = stat()
        let identity = stat(path, &status) == 0 ? "\(status.st_dev):\(status.st_ino):\(status.st_size):\(status.st_mtim.tv_sec)" : "missing"
        let signature = "\(path)|\(identity)|\(layout)|\(model.drift.decision.binCount)"
        if fileReferences[model.name]?.signature != signature {
            let result = Result { () throws(ReferenceFileError) -> ModelReference in
                let data = try ReferenceFile.read(path: path, layout: layout)
                return ModelReference(source: "reference file \(path)", data: data, binCount: model.drift.decision.binCount)
            }
            fileReferences[model.name] = (signature, result)
            switch result {
            case .success(let reference):
                journal.log(.info, "\(model.name): reference read from \(path) (\(reference.overall.columns.count) features)",
                            fields: ["VIGIL_MODEL": model.name, "VIGIL_REFERENCE": path])
            case .failure(let error):
                journal.log(.error, "\(model.name): \(error); drift is not evaluated until the file is fixed",
                            fields: ["VIGIL_MODEL": model.name, "VIGIL_REFERENCE": path])
            }
        }
        switch fileReferences[model.name]!.result {
        case .success(let reference): return reference
        case .failure(let error):
            notes.append("drift not evaluated: \(error)")
            return nil
        }
    }

    /// Stores an evaluation and applies its observations, in one transaction.
    private func commit(_ evaluation: Evaluation, _ observations: [AlertObservation], time: Double, store: EvaluationStore,
                        now: Double, windowStart: Double?, windowEnd: Double?, model: ModelConfig? = nil) throws -> [Alert] {
        try store.database.transaction {
            try store.save(evaluation, windowStart: windowStart, windowEnd: windowEnd, now: now)
            return try apply(observations, time: time, store: store, now: now, retiring: model)
        }
    }

    /// Steps each observed key's state machine; returns the transitions. Call inside a transaction.
    private func apply(_ observations: [AlertObservation], time: Double, store: EvaluationStore, now: Double,
                       retiring model: ModelConfig? = nil) throws -> [Alert] {
        guard let modelName = observations.first?.key.model ?? model?.name else { return [] }
        var states = try store.alertStates(model: modelName)
        var transitions: [Alert] = []
        // An alert about a feature no longer configured, or now in ignore_drift, can never be
        // judged again: resolve it rather than leave it firing forever.
        if let model {
            for (key, state) in states where AlertConditions.isRetired(key, model: model) {
                var closed = state
                if let alert = closed.retire(time: time, now: now) {
                    transitions.append(alert)
                    try store.recordTransition(alert, now: now)
                }
                if closed != state {
                    try store.save(closed, for: key, now: now)
                    states[key] = closed
                }
            }
        }
        for observation in observations {
            var state = states[observation.key] ?? AlertState()
            let before = state
            if let transition = state.observe(observation, time: time, now: now) {
                transitions.append(transition)
                try store.recordTransition(transition, now: now)
            }
            if state != before {
                try store.save(state, for: observation.key, now: now)
                states[observation.key] = state
            }
        }
        return transitions
    }

    private func report(_ evaluation: Evaluation, transitions: [Alert]) {
        let who = evaluation.version.map { "\(evaluation.model) v\($0)" } ?? evaluation.model
        var parts: [String] = []
        let overall = evaluation.features.filter { $0.subgroup == nil }
        if evaluation.kind == .window {
            if evaluation.reference != nil {
                let drifted = overall.filter(\.drifted).map(\.name)
                parts.append("\(drifted.count) of \(overall.count) features drifted" + (drifted.isEmpty ? "" : " (\(drifted.joined(separator: ", ")))"))
            } else {
                parts.append("drift not evaluated")
            }
        }
        if let performance = evaluation.performance {
            if let auroc = performance.auroc {
                parts.append("AUROC \(AlertConditions.format(auroc)) on \(performance.n) outcomes")
            } else {
                parts.append("AUROC not evaluated (\(performance.skipped ?? "no outcomes"))")
            }
            if let estimated = performance.estimatedAUROC { parts.append("estimated AUROC \(AlertConditions.format(estimated))") }
        }
        let what = evaluation.kind == .window
            ? "window \(evaluation.windowSeq ?? 0) (\(evaluation.n) predictions, \(evaluation.windowStart ?? "?") to \(evaluation.windowEnd ?? "?"))"
            : "performance on \(evaluation.n) recent outcomes"
        journal.log(.info, "\(who): \(what) evaluated: \(parts.joined(separator: ", "))",
                    messageID: MonitorEvent.evaluation.messageID,
                    fieldList: [
                        ("VIGIL_MODEL", evaluation.model), ("VIGIL_VERSION", evaluation.version ?? ""),
                        ("VIGIL_EVALUATION", evaluation.kind.rawValue), ("VIGIL_WINDOW_SEQ", evaluation.windowSeq.map(String.init) ?? ""),
                        ("VIGIL_WINDOW_START", evaluation.windowStart ?? ""), ("VIGIL_WINDOW_END", evaluation.windowEnd ?? ""),
                        ("VIGIL_PREDICTIONS", String(evaluation.n)),
                        ("VIGIL_DRIFTED_SHARE", evaluation.driftedShare.map { String($0) } ?? ""),
                        ("VIGIL_AUROC", evaluation.performance?.auroc.map { String($0) } ?? ""),
                        ("VIGIL_ESTIMATED_AUROC", evaluation.performance?.estimatedAUROC.map { String($0) } ?? ""),
                    ])
        report(transitions: transitions)
    }

    private func report(transitions: [Alert]) {
        guard !transitions.isEmpty else { return }
        for alert in transitions {
            let priority: JournalPriority = alert.status == .resolved ? .notice : (alert.severity == .critical ? .critical : .warning)
            let event: MonitorEvent = alert.status == .resolved ? .resolved : .firing(alert.key.rule)
            journal.log(priority, alert.status == .resolved ? "resolved: \(alert.summary)" : alert.summary,
                        messageID: event.messageID, fieldList: Self.journalFields(of: alert))
        }
        outputs.alerts(transitions)
    }

    static func journalFields(of alert: Alert) -> [(String, String)] {
        [
            ("VIGIL_MODEL", alert.key.model), ("VIGIL_VERSION", alert.version ?? ""), ("VIGIL_RULE", alert.key.rule.rawValue),
            ("VIGIL_ALERT", alert.key.rule.alertName), ("VIGIL_ALERT_STATUS", alert.status.rawValue),
            ("VIGIL_SEVERITY", alert.severity.rawValue),
            ("VIGIL_FEATURE", alert.key.feature ?? ""), ("VIGIL_SUBGROUP", alert.key.subgroup ?? ""), ("VIGIL_CHECK", alert.key.check ?? ""),
            ("VIGIL_VALUE", alert.value.map { String($0) } ?? ""), ("VIGIL_THRESHOLD", alert.threshold.map { String($0) } ?? ""),
            ("VIGIL_WINDOW_START", alert.windowStart.map { RFC3339Timestamp.string(fromUnixSeconds: $0) } ?? ""),
            ("VIGIL_WINDOW_END", alert.windowEnd.map { RFC3339Timestamp.string(fromUnixSeconds: $0) } ?? ""),
        ]
    }

    /// Hands the metrics snapshot and the status line to the outputs.
    private mutating func publish(models: [ModelConfig], store: EvaluationStore, now: Double) throws {
        lastSnapshotAt = now
        let firing = try store.firingAlerts()
        var snapshot = MonitorSnapshot(models: [])
        for model in models {
            let counters = try store.counters(model: model.name)
            let last = lastEvaluations[model.name]
            snapshot.models.append(MonitorSnapshot.Model(
                name: model.name, version: last?.version, predictionsIngested: counters.predictions,
                quarantined: counters.quarantined, pendingOutcomes: counters.pendingPredictions,
                firing: firing.filter { $0.key.model == model.name },
                lastEvaluation: last.flatMap { try? RFC3339Timestamp.unixSeconds($0.evaluatedAt) },
                auroc: last?.performance?.auroc, estimatedAUROC: last?.performance?.estimatedAUROC, ece: last?.performance?.ece,
                features: last?.features ?? [],
                servingVersion: try store.database.scalar(
                    "SELECT version FROM model_versions WHERE model = ? AND state = 'production'", model.name)?.int,
                paused: try store.database.scalar("SELECT status FROM model_state WHERE model = ?", model.name)?.string == "paused",
                lifecycleEvents: Dictionary(uniqueKeysWithValues: try store.database.query(
                    "SELECT kind, count(*) AS n FROM lifecycle_events WHERE model = ? GROUP BY kind", model.name
                ).compactMap { row in row["kind"].string.map { ($0, row["n"].int64 ?? 0) } })))
        }
        outputs.snapshot(snapshot)
        let status = Self.statusLine(snapshot)
        if status != lastStatus {
            lastStatus = status
            outputs.status(status)
        }
    }

    /// `3 models: 2 ok, 1 firing (sepsis-risk: drift); 1.2M predictions`.
    static func statusLine(_ snapshot: MonitorSnapshot) -> String {
        let firing = snapshot.models.filter { !$0.firing.isEmpty }
        let predictions = snapshot.models.reduce(Int64(0)) { $0 + $1.predictionsIngested }
        var line = "\(snapshot.models.count) model\(snapshot.models.count == 1 ? "" : "s"): \(snapshot.models.count - firing.count) ok"
        if !firing.isEmpty {
            let detail = firing.map { model in
                "\(model.name): \(Array(Set(model.firing.map(\.key.rule.rawValue))).sorted().joined(separator: ", "))"
            }
            line += ", \(firing.count) firing (\(detail.joined(separator: "; ")))"
        }
        return line + "; \(abbreviated(predictions)) predictions"
    }

    static func abbreviated(_ count: Int64) -> String {
        switch count {
        case ..<1_000: String(count)
        case ..<1_000_000: String(format: "%.1fk", Double(count) / 1_000)
        default: String(format: "%.1fM", Double(count) / 1_000_000)
        }
    }
}
