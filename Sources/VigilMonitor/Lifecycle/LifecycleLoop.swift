import Foundation
import VigilML
import VigilStore
import VigilSystemd

/// The life-cycle thread's own state: its connection, the retraining children it started, and
/// the last refusal it journaled per model (so that a firing alert does not repeat it every window).
struct LifecycleLoop {
    let lifecycle: Lifecycle
    let databasePath: String
    let stateDirectory: String
    let journal: Journal
    let wake: @Sendable () -> Void
    private var database: Database?
    private var failing = false
    private var jobs: [Int64: (job: RetrainJob, holdout: [StoredPrediction], model: ModelConfig)] = [:]
    private var lastRefusal: [String: String] = [:]

    /// Predictions scored in shadow per tick at most, so that a backlog does not hold the thread.
    static let shadowBatch = 5_000

    init(lifecycle: Lifecycle, databasePath: String, stateDirectory: String, journal: Journal, wake: @escaping @Sendable () -> Void) {
        self.lifecycle = lifecycle
        self.databasePath = databasePath
        self.stateDirectory = stateDirectory
        self.journal = journal
        self.wake = wake
    }

    mutating func tick(models: [ModelConfig], alerts: [Alert]) {
        do {
            if database == nil { database = try Database(path: databasePath) }
            guard let database else { return }
            handle(alerts, models: models)
            try launchRequestedRuns(models: models, database: database)
            try collectFinishedRuns(database: database)
            for model in models {
                try scoreShadows(of: model, database: database)
                try judgeProbation(of: model, database: database)
            }
            if failing {
                journal.log(.notice, "the model life cycle is running again")
                failing = false
            }
        } catch {
            if !failing {
                journal.log(.error, "the model life cycle failed, retrying every second: \(error)", fields: ["VIGIL_DATABASE": databasePath])
                failing = true
            }
            database = nil
        }
    }

    /// Kills the children under way and records their runs as failed.
    mutating func stop(models: [ModelConfig]) {
        for (run, entry) in jobs {
            entry.job.stop()
            while entry.job.outcome == nil { usleep(20_000) }
            try? lifecycle.retrainFailed(model: entry.model.name, run: run, detail: "vigild stopped during the run; it may be retried")
        }
        jobs = [:]
    }

    // MARK: Triggers

    private mutating func handle(_ alerts: [Alert], models: [ModelConfig]) {
        for alert in alerts {
            guard let model = models.first(where: { $0.name == alert.key.model }) else { continue }
            if alert.key.rule == .performance {
                do { try lifecycle.rollBackForAlert(model.name, alert: alert) } catch {
                    journal.log(.error, "\(model.name): the probation rollback failed: \(error)", fields: ["VIGIL_MODEL": model.name])
                }
            }
            guard model.lifecycle.retrain.on.contains(alert.key.rule) else { continue }
            do {
                let run = try lifecycle.requestRetrain(model, trigger: "\(alert.key.rule.alertName): \(alert.summary)", by: .daemon, automatic: true)
                lastRefusal[model.name] = nil
                _ = run
            } catch {
                if lastRefusal[model.name] != error.message {
                    lastRefusal[model.name] = error.message
                    journal.log(.info, "\(model.name): not retraining on \(alert.key.rule.alertName): \(error.message)",
                                fields: ["VIGIL_MODEL": model.name])
                }
            }
        }
    }

    // MARK: Retraining

    private mutating func launchRequestedRuns(models: [ModelConfig], database: Database) throws {
        let runs = try lifecycle.withRegistry { try $0.runningRetrainRuns() }
        for run in runs where jobs[run.id] == nil {
            guard let model = models.first(where: { $0.name == run.model }) else {
                try lifecycle.retrainFailed(model: run.model, run: run.id, detail: "the model is no longer configured")
                continue
            }
            let directory = "\(lifecycle.store.directory(of: model.name))/retraining/\(run.id)"
            let export: TrainingExport
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
                export = try TrainingExport.prepare(database, model: model, directory: directory)
            } catch {
                try lifecycle.retrainFailed(model: model.name, run: run.id, detail: "the training data could not be prepared: \(error)")
                continue
            }
            let job = RetrainJob(model: model, run: run.id, directory: directory, export: export, seed: UInt64(run.id),
                                 systemdAvailable: FileManager.default.fileExists(atPath: "/run/systemd/system"))
            journal.log(.info, "\(model.name): retraining run \(run.id) on \(export.trainingRows) examples (\(export.holdout.count) held out): \(job.commandLine)",
                        fields: ["VIGIL_MODEL": model.name, "VIGIL_RETRAIN_RUN": String(run.id)])
            jobs[run.id] = (job, export.holdout, model)
            job.start(finished: wake)
        }
    }

    private mutating func collectFinishedRuns(database: Database) throws {
        for (run, entry) in jobs {
            guard let outcome = entry.job.outcome else { continue }
            jobs[run] = nil
            let name = entry.model.name
            try? FileManager.default.removeItem(atPath: (entry.job.directory as NSString).appendingPathComponent("training.jsonl"))
            guard outcome.succeeded else {
                try lifecycle.retrainFailed(model: name, run: run, detail: Self.describe(outcome, budget: entry.model.lifecycle.retrain.budget))
                continue
            }
            guard let bytes = FileManager.default.contents(atPath: entry.job.modelFile).map(Array.init) else {
                try lifecycle.retrainFailed(model: name, run: run, detail: "the trainer exited 0 but wrote no model file \(entry.job.modelFile)")
                continue
            }
            let candidate: TrainedModel
            do {
                candidate = TrainedModel(try ModelFile.decode(bytes, path: entry.job.modelFile))
            } catch {
                try lifecycle.retrainFailed(model: name, run: run, detail: "the trainer wrote an unusable model file: \(error)")
                continue
            }
            let report = try judgeHeldOut(candidate, holdout: entry.holdout, model: entry.model)
            let (version, state) = try lifecycle.addCandidate(entry.model, run: run, modelFile: bytes, heldOut: report)
            journal.log(.info, "\(name): retraining run \(run) produced version \(version), \(state.rawValue)",
                        fields: ["VIGIL_MODEL": name, "VIGIL_VERSION": String(version), "VIGIL_RETRAIN_RUN": String(run)])
        }
    }

    /// The candidate and production on the held-out rows: production is the registered
    /// production model rescored on them, or the logged scores for a model with none registered.
    private func judgeHeldOut(_ candidate: TrainedModel, holdout: [StoredPrediction], model: ModelConfig) throws -> GateReport {
        let records = holdout.map(\.record)
        let production: [Double]
        if let trained = try lifecycle.productionModel(of: model.name) {
            production = StoredPredictions.score(records, with: trained)
        } else {
            production = records.map(\.score)
        }
        return GateReport.judge(
            stage: "held_out", labels: holdout.map { $0.label == true }, candidate: StoredPredictions.score(records, with: candidate),
            production: production, subgroups: model.subgroups.map { name in (name, records.map { StoredPredictions.subgroupValue($0, name) }) },
            threshold: candidate.document.operatingPoint.threshold, settings: model.lifecycle.gates)
    }

    static func describe(_ outcome: CommandExecution.Outcome, budget: TimeSpan) -> String {
        let tail = String(decoding: outcome.standardError.suffix(400), as: UTF8.self)
            .split(separator: "\n").last.map { ": \($0)" } ?? ""
        return switch outcome.ending {
        case .exited(let status): "the trainer exited with status \(status)\(tail)"
        case .killedBySignal(let signal): "the trainer was killed by signal \(signal)\(tail)"
        case .timedOut: "the trainer outlived 1.5 times retrain.budget (\(budget)) and was killed"
        case .interrupted: "vigild stopped during the run; it may be retried"
        case .notStarted(let reason): "the trainer could not be started: \(reason)"
        }
    }

    // MARK: Shadow

    /// Scores the predictions stored since a candidate was staged, and compares once enough have outcomes.
    private func scoreShadows(of model: ModelConfig, database: Database) throws {
        let staged = try lifecycle.withRegistry { try $0.versions(of: model.name, in: .staged) }
        guard let key = try TrainingExport.modelKey(database, model.name) else { return }
        for version in staged {
            guard let trained = try lifecycle.model(version) else {
                try lifecycle.reject(model.name, version: version.version, reason: "its model file \(version.path) can no longer be loaded", by: .daemon)
                continue
            }
            let started = ContinuousClock.now
            let scoredUpTo = try database.scalar("SELECT max(row) FROM shadow_scores WHERE model = ? AND version = ?", model.name, version.version)?.int64
            var cursor = max(scoredUpTo ?? 0, version.shadowAfterRow ?? 0)
            var batch: (predictions: [StoredPrediction], unreadable: Int, lastRow: Int64?)
            // Batches until caught up, or for half a second: a backlog is worked off over a few ticks.
            // `+model_key` keeps SQLite on the row range instead of the model's whole id index.
            repeat {
                batch = try StoredPredictions.read(
                    database,
                    "SELECT row, segment, line_start, line_length, label FROM predictions WHERE +model_key = ? AND row > ? ORDER BY row LIMIT \(Self.shadowBatch)",
                    [.integer(key), .integer(cursor)])
                // Lines that cannot be read back are passed over, not retried forever.
                cursor = batch.lastRow ?? cursor
                let pending = batch.predictions
                guard !pending.isEmpty else { continue }
                let scores = StoredPredictions.score(pending.map(\.record), with: trained)
                try database.transaction {
                    let insert = try database.statement("INSERT OR IGNORE INTO shadow_scores (model, version, row, score) VALUES (?, ?, ?, ?)")
                    for (prediction, score) in zip(pending, scores) {
                        insert.bind(model.name, at: 1)
                        insert.bind(Int64(version.version), at: 2)
                        insert.bind(prediction.row, at: 3)
                        insert.bind(score, at: 4)
                        try insert.execute()
                    }
                }
            } while batch.predictions.count + batch.unreadable == Self.shadowBatch && ContinuousClock.now - started < .milliseconds(500)
            let joined = try database.scalar(
                """
                SELECT count(*) FROM shadow_scores s JOIN predictions p ON p.row = s.row
                WHERE s.model = ? AND s.version = ? AND p.status = 'joined'
                """, model.name, version.version)?.int ?? 0
            guard joined >= model.lifecycle.shadowOutcomes else { continue }
            let (rows, _, _) = try StoredPredictions.read(
                database,
                """
                SELECT p.row AS row, p.segment AS segment, p.line_start AS line_start, p.line_length AS line_length, p.label AS label
                FROM shadow_scores s JOIN predictions p ON p.row = s.row
                WHERE s.model = ? AND s.version = ? AND p.status = 'joined' ORDER BY p.row
                """, [.text(model.name), .integer(Int64(version.version))])
            var shadow: [Int64: Double] = [:]
            for row in try database.query("SELECT row, score FROM shadow_scores WHERE model = ? AND version = ?", model.name, version.version) {
                if let id = row["row"].int64, let score = row["score"].double { shadow[id] = score }
            }
            let records = rows.map(\.record)
            let report = GateReport.judge(
                stage: "shadow", labels: rows.map { $0.label == true }, candidate: rows.map { shadow[$0.row] ?? .nan },
                production: records.map(\.score),
                subgroups: model.subgroups.map { name in (name, records.map { StoredPredictions.subgroupValue($0, name) }) },
                threshold: trained.document.operatingPoint.threshold, settings: model.lifecycle.gates)
            try lifecycle.recordShadow(model, version: version.version, report: report)
        }
    }

    // MARK: Probation

    /// Once the production version's own predictions have `probation.outcomes` outcomes, compares
    /// their realized AUROC with the previous version's on its comparison outcomes.
    private func judgeProbation(of model: ModelConfig, database: Database) throws {
        guard let production = try lifecycle.withRegistry({ try $0.production(of: model.name) }),
              let after = production.probationAfterRow, production.probation == nil,
              let key = try TrainingExport.modelKey(database, model.name) else { return }
        let version = String(production.version)
        // The rows since promotion, by range (`+model_key`), not every joined prediction of the model.
        let count = try database.scalar(
            "SELECT count(*) FROM predictions WHERE +model_key = ? AND row > ? AND status = 'joined' AND (version IS NULL OR version = ?)",
            key, after, version)?.int ?? 0
        guard count >= model.lifecycle.probationOutcomes else { return }
        let rows = try database.query(
            "SELECT score, label FROM predictions WHERE +model_key = ? AND row > ? AND status = 'joined' AND (version IS NULL OR version = ?) ORDER BY row",
            key, after, version)
        let labels = rows.map { $0["label"].int == 1 }
        let scores = rows.map { $0["score"].double ?? .nan }
        let report = GateReport.probation(labels: labels, scores: scores, baseline: production.probationBaselineAUROC,
                                          margin: model.lifecycle.probationMargin)
        try lifecycle.recordProbation(model, version: production.version, report: report)
    }
}
