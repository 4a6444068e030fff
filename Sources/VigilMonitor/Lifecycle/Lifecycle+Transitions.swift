import Foundation
import VigilStats
import VigilStore
import VigilSystemd

/// How a transition is committed and reported: the registry change, its event, audit row and
/// alerts in one transaction; then `serving.json`; then the journal and the alert outputs.
extension Lifecycle {
    /// What to tell the journal and the alert outputs once a transition is committed.
    struct Change: Sendable {
        var event: LifecycleEvent?
        var priority: JournalPriority = .notice
        var message: String = ""
        var fields: [(String, String)] = []
        var alerts: [Alert] = []
    }

    /// What a transition's body did: its result, what to report, and whether (and with what
    /// reason) `serving.json` must be rewritten.
    struct Committed<T> {
        var value: T
        var changes: [Change]
        var servingReason: String?
    }

    /// Runs `body` against the registry under the lock.
    func withRegistry<T: Sendable>(_ body: (ModelRegistry) throws -> T) throws -> T {
        try core.withLock { core in try body(ModelRegistry(database: core.database)) }
    }

    /// Runs one transition of `model`: `body` in a transaction, then (when it says so)
    /// `serving.json` rewritten from the registry, then the reports.
    func transition<T: Sendable>(_ model: String, _ body: (Core, ModelRegistry, String) throws -> Committed<T>) throws(LifecycleError) -> T {
        let outcome: Result<(T, [Change]), LifecycleError> = core.withLock { core in
            let registry = ModelRegistry(database: core.database)
            let time = Self.now()
            let result: Committed<T>
            do {
                result = try core.database.transaction { try body(core, registry, time) }
            } catch let error as LifecycleError {
                return .failure(error)
            } catch {
                return .failure(LifecycleError(.failed, "\(model): the registry could not be changed: \(error)"))
            }
            var changes = result.changes
            if let reason = result.servingReason {
                do {
                    try publishServing(of: model, registry: registry, reason: reason)
                } catch {
                    changes.append(Change(priority: .critical,
                                          message: "\(model): the registry changed but serving.json could not be written: \(error); it is rewritten from the registry at the next start",
                                          fields: [("VIGIL_MODEL", model)]))
                }
            }
            return .success((result.value, changes))
        }
        switch outcome {
        case .failure(let error):
            throw error
        case .success(let (value, changes)):
            report(changes)
            if changes.contains(where: { [.registered, .promoted, .rolledBack].contains($0.event) }) {
                notifications.productionChanged()
            }
            return value
        }
    }

    private func report(_ changes: [Change]) {
        for change in changes {
            if !change.message.isEmpty {
                journal.log(change.priority, change.message, messageID: change.event?.messageID, fieldList: change.fields)
            }
            if !change.alerts.isEmpty { notifications.alerts(change.alerts) }
        }
    }

    /// `serving.json` as the registry says it should be.
    func expectedServing(_ model: String, production: ModelRegistry.Version, registry: ModelRegistry, reason: String) throws -> ServingFile {
        let pause = try registry.pauseState(of: model)
        return ServingFile(model: model, status: pause.paused ? .paused : .active, version: production.version, path: production.path,
                           sha256: production.sha256, updatedAt: Self.now(), reason: pause.paused ? (pause.reason ?? reason) : reason)
    }

    /// Rewrites `serving.json` from the registry (nothing when the model has no production version).
    func publishServing(of model: String, registry: ModelRegistry, reason: String) throws {
        guard let production = try registry.production(of: model) else { return }
        try write(expectedServing(model, production: production, registry: registry, reason: reason))
    }

    func write(_ serving: ServingFile) throws {
        try store.writeServing(serving)
    }

    /// Records an event (and, for vigild's own actions, an audit row) and says what to journal.
    func record(_ kind: LifecycleEvent, model: String, version: Int?, from: VersionState?, to: VersionState?, by initiator: Initiator,
                reason: String, details: [String: Any] = [:], registry: ModelRegistry, time: String) throws -> Change {
        try registry.append(kind, model: model, version: version, from: from, to: to, actor: initiator.name, reason: reason, details: details, at: time)
        if initiator == .daemon {
            // Requests through the control socket are audited there; vigild's own actions here.
            var arguments: [String: Any] = ["reason": reason]
            if let version { arguments["version"] = String(version) }
            let text = (try? JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            try registry.database.run(
                "INSERT INTO audit (at, uid, user, role, command, model, arguments, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                time, Int64(getuid()), "vigild", "daemon", kind.rawValue, model, text, "ok")
        }
        let who = version.map { "\(model) v\($0)" } ?? model
        let priority: JournalPriority = switch kind {
        case .retrainFailed, .servingRepaired: .warning
        case .rolledBack: .critical
        case .registered, .retrainStarted, .rejected, .staged, .awaitingApproval, .promoted, .paused, .resumed: .notice
        }
        let actor = initiator == .daemon ? "" : " by \(initiator.name)"
        return Change(
            event: kind, priority: priority, message: "\(who): \(kind.rawValue.replacingOccurrences(of: "_", with: " "))\(actor): \(reason)",
            fields: [("VIGIL_MODEL", model), ("VIGIL_VERSION", version.map(String.init) ?? ""),
                     ("VIGIL_EVENT", kind.rawValue), ("VIGIL_ACTOR", initiator.name), ("VIGIL_REASON", reason),
                     ("VIGIL_FROM_STATE", from?.rawValue ?? ""), ("VIGIL_TO_STATE", to?.rawValue ?? "")])
    }

    /// The `previous` versions of `model` become `retired` (only the latest production before
    /// the current one stays a rollback target).
    func retirePrevious(_ model: String, registry: ModelRegistry) throws -> [Change] {
        for version in try registry.versions(of: model, in: .previous) {
            try registry.setState(.retired, of: model, version: version.version)
        }
        return []
    }

    /// Makes `candidate` production: the current production becomes `previous`, and probation
    /// starts against the AUROC the current production had on the candidate's comparison outcomes.
    func promote(_ model: String, _ candidate: ModelRegistry.Version, by initiator: Initiator, reason: String,
                 registry: ModelRegistry, time: String) throws -> [Change] {
        var changes = try retirePrevious(model, registry: registry)
        let current = try registry.production(of: model)
        if let current { try registry.setState(.previous, of: model, version: current.version) }
        try registry.setState(.production, of: model, version: candidate.version)
        let baseline = candidate.shadow?.productionAUROC ?? candidate.gates?.productionAUROC
        try registry.startProbation(of: model, version: candidate.version, at: time, afterRow: try registry.lastPredictionRow(of: model),
                                    baselineAUROC: baseline)
        changes.append(try record(.promoted, model: model, version: candidate.version, from: candidate.state, to: .production, by: initiator,
                                  reason: reason, details: ["previous_version": current?.version as Any, "probation_baseline_auroc": baseline as Any],
                                  registry: registry, time: time))
        changes += try resolveAlert(.approvalNeeded, model: model, registry: registry)
        changes += try resolveAlert(.rolledBack, model: model, registry: registry)
        return changes
    }

    // MARK: Life-cycle alerts

    /// Fires a life-cycle alert, kept in `alert_states` like monitoring's so that it shows in
    /// `vigil alerts` and is sent to Alertmanager again after a restart.
    func raiseAlert(_ rule: AlertRule, model: String, version: Int?, severity: AlertSeverity, summary: String, description: String,
                    registry: ModelRegistry) throws -> [Change] {
        let now = Date().timeIntervalSince1970
        let alert = Alert(key: AlertKey(model: model, rule: rule), status: .firing, severity: severity, version: version.map(String.init),
                          value: nil, threshold: nil, summary: summary, description: description, windowStart: nil, windowEnd: nil,
                          startsAt: now, endsAt: nil)
        try saveAlert(alert, registry: registry, now: now)
        return [Change(alerts: [alert])]
    }

    /// Resolves a firing life-cycle alert of `model`, if there is one.
    func resolveAlert(_ rule: AlertRule, model: String, registry: ModelRegistry) throws -> [Change] {
        let rows = try registry.database.query(
            "SELECT alert FROM alert_states WHERE model = ? AND rule = ? AND state = 'firing' AND alert IS NOT NULL", model, rule.rawValue)
        guard let text = rows.first?["alert"].string, var alert = try? JSONDecoder().decode(Alert.self, from: Data(text.utf8)) else { return [] }
        let now = Date().timeIntervalSince1970
        alert.status = .resolved
        alert.endsAt = now
        try saveAlert(alert, registry: registry, now: now)
        return [Change(alerts: [alert])]
    }

    private func saveAlert(_ alert: Alert, registry: ModelRegistry, now: Double) throws {
        let text = String(decoding: try JSONEncoder.sortedKeys.encode(alert), as: UTF8.self)
        try registry.database.run(
            """
            INSERT INTO alert_states (model, rule, feature, subgroup, "check", state, breaches, clears, resolved_at_ts, alert, updated_at)
            VALUES (?, ?, '', '', '', ?, 0, 0, ?, ?, ?)
            ON CONFLICT (model, rule, feature, subgroup, "check") DO UPDATE SET
                state = excluded.state, resolved_at_ts = excluded.resolved_at_ts, alert = excluded.alert, updated_at = excluded.updated_at
            """,
            alert.key.model, alert.key.rule.rawValue, alert.status.rawValue, alert.endsAt, text, now)
        try registry.database.run("INSERT INTO alert_events (at, model, status, alert) VALUES (?, ?, ?, ?)",
                                  now, alert.key.model, alert.status.rawValue, text)
    }
}
