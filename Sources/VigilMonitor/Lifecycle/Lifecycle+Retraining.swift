import Foundation
import VigilML
import VigilStore

/// The transitions of retraining, staging and probation, which the life-cycle thread drives.
extension Lifecycle {
    /// Starts a retraining run of `model` (recorded `running`, event `retrain_started`) when it
    /// is allowed: not paused, none running, enough labeled examples; for an automatic trigger
    /// also not within `retrain.min_interval` of the last attempt and no candidate in staging.
    ///
    /// - Returns: the run's id; the life-cycle thread starts its child.
    public func requestRetrain(_ model: ModelConfig, trigger: String, by initiator: Initiator, automatic: Bool) throws(LifecycleError) -> Int64 {
        try transition(model.name) { core, registry, time in
            let name = model.name
            if try registry.pauseState(of: name).paused {
                throw LifecycleError(.refused, "\(name) is paused: retraining is suspended until it is resumed")
            }
            if let running = try registry.runningRetrainRuns().first(where: { $0.model == name }) {
                throw LifecycleError(.refused, "a retraining of \(name) is already running (run \(running.id), started \(running.startedAt))")
            }
            let settings = model.lifecycle.retrain
            if automatic {
                // The life cycle starts with a registered version (`vigil register`, `initial_model:`):
                // a model Vigil only watches is never retrained unasked.
                guard try registry.production(of: name) != nil else {
                    throw LifecycleError(.refused, "\(name) has no registered production version (`vigil register` or initial_model); it is only monitored")
                }
                if let last = try registry.lastRetrainStart(of: name), Date().timeIntervalSince1970 - last < Double(settings.minInterval.seconds) {
                    throw LifecycleError(.refused, "the last retraining of \(name) started less than retrain.min_interval (\(settings.minInterval)) ago")
                }
                if let pending = try registry.versions(of: name).first(where: { $0.state == .staged || $0.state == .awaitingApproval }) {
                    throw LifecycleError(.refused, "\(name) version \(pending.version) is \(pending.state.rawValue): it is judged before another is trained")
                }
            }
            let examples = try TrainingExport.exampleCount(core.database, model: model)
            guard examples >= settings.minExamples else {
                throw LifecycleError(.refused, "\(name) has \(examples) labeled examples within retrain.training_window (\(settings.trainingWindow)); retrain.min_examples is \(settings.minExamples)")
            }
            let run = try registry.startRetrainRun(model: name, trigger: trigger, requestedBy: initiator.name, at: time)
            let change = try record(.retrainStarted, model: name, version: nil, from: nil, to: nil, by: initiator, reason: trigger,
                                    details: ["run": run, "examples": examples], registry: registry, time: time)
            return Committed(value: run, changes: [change], servingReason: nil)
        }
    }

    /// Records a failed (or interrupted) run: event `retrain_failed` and a `VigilRetrainFailed` alert. Production is untouched.
    func retrainFailed(model: String, run: Int64, detail: String) throws(LifecycleError) {
        try transition(model) { _, registry, time in
            try registry.finishRetrainRun(run, succeeded: false, detail: detail, candidate: nil, at: time)
            var changes = [try record(.retrainFailed, model: model, version: nil, from: nil, to: nil, by: .daemon, reason: detail,
                                      details: ["run": run], registry: registry, time: time)]
            changes += try raiseAlert(
                .retrainFailed, model: model, version: nil, severity: .warning,
                summary: "\(model): retraining run \(run) failed: \(detail)",
                description: "vigild could not produce a candidate for \(model). Production is untouched and keeps serving. The run's output is under the state directory's models/\(model)/retraining/\(run)/; `vigil history \(model)` shows the run. Retraining is tried again at the next trigger after retrain.min_interval, or now with `vigil retrain \(model)`.",
                registry: registry)
            return Committed(value: (), changes: changes, servingReason: nil)
        }
    }

    /// Registers a retrained candidate with its held-out gate results: `staged` when it passed
    /// (replacing any candidate still in staging), `rejected` otherwise.
    ///
    /// - Returns: the version number and the state it reached.
    func addCandidate(_ model: ModelConfig, run: Int64, modelFile bytes: [UInt8], heldOut report: GateReport) throws(LifecycleError) -> (Int, VersionState) {
        let name = model.name
        return try transition(name) { _, registry, time in
            let number = max(try registry.lastVersionNumber(of: name), store.versions(of: name).last ?? 0) + 1
            let stored = try store.addVersion(of: name, modelFile: bytes, number: number)
            let document = try ModelFile.decode(bytes, path: stored.path)
            try registry.insert(ModelRegistry.Version(
                model: name, version: number, state: .candidate, origin: "retrained", path: stored.path, sha256: stored.sha256,
                createdAt: time, validationAUROC: document.validation.auroc, retrainRun: run, gates: report))
            try registry.finishRetrainRun(run, succeeded: true, detail: "version \(number)", candidate: number, at: time)
            var changes = try resolveAlert(.retrainFailed, model: name, registry: registry)
            let figures = Self.figures(report)
            guard report.passed else {
                try registry.setState(.rejected, of: name, version: number)
                changes.append(try record(.rejected, model: name, version: number, from: .candidate, to: .rejected, by: .daemon,
                                          reason: "failed the held-out gates (\(figures)): \(report.failures)",
                                          details: ["stage": "held_out", "run": run], registry: registry, time: time))
                return Committed(value: (number, .rejected), changes: changes, servingReason: nil)
            }
            var superseded: [Int] = []
            for older in try registry.versions(of: name) where older.state == .staged || older.state == .awaitingApproval {
                try registry.setState(.retired, of: name, version: older.version)
                superseded.append(older.version)
                if older.state == .awaitingApproval { changes += try resolveAlert(.approvalNeeded, model: name, registry: registry) }
            }
            try registry.setState(.staged, of: name, version: number)
            try registry.startShadow(of: name, version: number, afterRow: try registry.lastPredictionRow(of: name))
            changes.append(try record(.staged, model: name, version: number, from: .candidate, to: .staged, by: .daemon,
                                      reason: "passed the held-out gates (\(figures)); scoring in shadow until \(model.lifecycle.shadowOutcomes) outcomes",
                                      details: ["stage": "held_out", "run": run, "superseded": superseded], registry: registry, time: time))
            return Committed(value: (number, .staged), changes: changes, servingReason: nil)
        }
    }

    /// Acts on a staged candidate's shadow comparison: rejected when it failed; promoted
    /// (`promotion: auto`) or `awaiting_approval` with a `VigilApprovalNeeded` notice when it passed.
    /// While the model is paused a passing candidate waits for approval whatever the mode.
    func recordShadow(_ model: ModelConfig, version: Int, report: GateReport) throws(LifecycleError) {
        let name = model.name
        try transition(name) { _, registry, time in
            guard let candidate = try registry.version(version, of: name), candidate.state == .staged else {
                return Committed(value: (), changes: [], servingReason: nil)
            }
            try registry.setShadow(report, of: name, version: version)
            let figures = Self.figures(report)
            guard report.passed else {
                try registry.setState(.rejected, of: name, version: version)
                let change = try record(.rejected, model: name, version: version, from: .staged, to: .rejected, by: .daemon,
                                        reason: "failed in shadow (\(figures)): \(report.failures)", details: ["stage": "shadow"],
                                        registry: registry, time: time)
                return Committed(value: (), changes: [change], servingReason: nil)
            }
            let paused = try registry.pauseState(of: name).paused
            if model.lifecycle.promotion == .auto && !paused {
                var staged = candidate
                staged.shadow = report
                let reason = "passed in shadow (\(figures)); promotion: auto"
                let changes = try promote(name, staged, by: .daemon, reason: reason, registry: registry, time: time)
                return Committed(value: (), changes: changes, servingReason: reason)
            }
            try registry.setState(.awaitingApproval, of: name, version: version)
            let why = paused ? "; promotion is suspended while \(name) is paused" : ""
            var changes = [try record(.awaitingApproval, model: name, version: version, from: .staged, to: .awaitingApproval, by: .daemon,
                                      reason: "passed in shadow (\(figures))\(why)", details: ["stage": "shadow"], registry: registry, time: time)]
            changes += try raiseAlert(
                .approvalNeeded, model: name, version: version, severity: .warning,
                summary: "\(name) v\(version) passed its shadow comparison and awaits approval",
                description: "Candidate version \(version) of \(name) did at least as well as production on the same \(report.outcomes) recent outcomes (\(figures)). A clinical owner approves it with `vigil approve \(name) \(version)` or turns it down with `vigil reject \(name) \(version) --reason ...`; `vigil history \(name)` shows every gate.",
                registry: registry)
            return Committed(value: (), changes: changes, servingReason: nil)
        }
    }

    /// Ends a production version's probation: passed, or rolled back to the previous version.
    func recordProbation(_ model: ModelConfig, version: Int, report: GateReport) throws(LifecycleError) {
        let name = model.name
        try transition(name) { core, registry, time in
            guard let production = try registry.production(of: name), production.version == version, production.probation == nil else {
                return Committed(value: (), changes: [], servingReason: nil)
            }
            try registry.setProbation(report, of: name, version: version)
            let figures = "realized AUROC \(report.candidateAUROC.map(GateReport.format) ?? "undefined") on \(report.outcomes) outcomes, previous version \(report.productionAUROC.map(GateReport.format) ?? "unknown") on its comparison outcomes"
            guard !report.passed else {
                let change = Change(priority: .notice, message: "\(name) v\(version) passed probation: \(figures)",
                                    fields: [("VIGIL_MODEL", name), ("VIGIL_VERSION", String(version))])
                return Committed(value: (), changes: [change], servingReason: nil)
            }
            return try rollBack(name, to: nil, reason: "failed probation: \(report.failures)", by: .daemon, core: core, registry: registry,
                                time: time, details: ["stage": "probation"]).withoutValue
        }
    }

    /// Ends probation early: a performance alert about `model`'s new version fired while it was on probation.
    func rollBackForAlert(_ model: String, alert: Alert) throws(LifecycleError) {
        try transition(model) { core, registry, time in
            // Only an alert about the version on probation counts: one raised from the outcomes
            // of the version before it says nothing about the new one.
            guard let production = try registry.production(of: model), production.probationAfterRow != nil, production.probation == nil,
                  alert.version == String(production.version), try registry.versions(of: model, in: .previous).last != nil else {
                return Committed(value: (), changes: [], servingReason: nil)
            }
            return try rollBack(model, to: nil, reason: "a performance alert fired during probation: \(alert.summary)", by: .daemon,
                                core: core, registry: registry, time: time, details: ["stage": "probation"]).withoutValue
        }
    }

    /// `AUROC 0.842 vs production 0.811 on 812 outcomes`.
    static func figures(_ report: GateReport) -> String {
        "AUROC \(report.candidateAUROC.map(GateReport.format) ?? "undefined") vs production \(report.productionAUROC.map(GateReport.format) ?? "undefined") on \(report.outcomes) outcomes"
    }
}

extension Lifecycle.Committed {
    /// The same commit with its value dropped.
    var withoutValue: Lifecycle.Committed<Void> {
        Lifecycle.Committed(value: (), changes: changes, servingReason: servingReason)
    }
}
