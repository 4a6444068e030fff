import Foundation
import Synchronization
import VigilML
import VigilStats
import VigilStore
import VigilSystemd

/// Who asked for a life-cycle change: vigild itself (automatic promotion, rollback, retraining),
/// or a user through the control socket (whose request the control server audits).
public enum Initiator: Sendable, Equatable {
    case daemon
    case user(String)

    var name: String {
        switch self {
        case .daemon: "vigild"
        case .user(let name): name
        }
    }
}

/// Why a life-cycle request was refused or failed.
public struct LifecycleError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not allowed now (paused, wrong state, too soon, already running).
        case refused
        /// The request itself is wrong (an unknown version, an invalid model file).
        case invalid
        /// Storage failed; nothing was changed.
        case failed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The model registry and every transition of the life cycle: registration, pause and resume,
/// staging, promotion, approval, rejection and rollback.
///
/// The registry in SQLite is the truth and `serving.json` is written from it after each commit.
/// A crash between the two leaves the old `serving.json` (a complete file: it is replaced
/// atomically), which ``reconcile(models:)`` rewrites at the next start. All changes go through
/// one lock, so the control thread and the life-cycle thread never interleave transitions.
public final class Lifecycle: Sendable {
    /// Where the life cycle reports.
    public struct Notifications: Sendable {
        /// Life-cycle alerts (`VigilRetrainFailed`, `VigilApprovalNeeded`, `VigilRolledBack`) as they fire and resolve.
        public var alerts: @Sendable ([Alert]) -> Void = { _ in }
        /// A model's production version changed (promotion, rollback, registration): monitoring's
        /// features, reference and validation AUROC come from it.
        public var productionChanged: @Sendable () -> Void = {}

        public init() {}
    }

    /// The registry connection and loaded models: touched only under `core`'s lock, hence unchecked.
    final class Core: @unchecked Sendable {
        let database: Database
        /// Loaded model files, by SHA-256.
        var models: [String: TrainedModel] = [:]

        init(database: Database) { self.database = database }
    }

    let store: ModelStore
    let journal: Journal
    private let connected = Mutex(Notifications())
    let core: Mutex<Core>

    var notifications: Notifications { connected.withLock { $0 } }

    public init(databasePath: String, stateDirectory: String, journal: Journal) throws(SQLiteError) {
        let database = try Database(path: databasePath)
        // A transition acknowledged to a clinical owner must survive a power cut.
        try database.execute("PRAGMA synchronous = FULL")
        core = Mutex(Core(database: database))
        store = ModelStore(stateDirectory: stateDirectory)
        self.journal = journal
    }

    /// Where alerts and production changes go from now on.
    public func connect(_ notifications: Notifications) {
        connected.withLock { $0 = notifications }
    }

    // MARK: Start-up

    /// Brings the registry and the files into agreement before anything else runs: retraining
    /// runs left `running` by a crash are failed, `initial_model:` is registered where the registry
    /// has no version, each production model file is verified, and each `serving.json` that
    /// disagrees with the registry is rewritten from it (and journaled).
    ///
    /// - Throws: ``StartupFailure`` when a production model file is missing or fails its checksum,
    ///   or an `initial_model:` file is unusable: vigild must not run a model it cannot vouch for.
    public func reconcile(models: [ModelConfig]) throws(StartupFailure) {
        do {
            try failInterruptedRuns()
            for model in models {
                let unregistered = try withRegistry { try $0.versions(of: model.name).isEmpty }
                if let initial = model.lifecycle.initialModel, unregistered {
                    try registerInitialModel(model.name, path: initial)
                }
                try repairServing(of: model.name)
            }
        } catch let failure as StartupFailure {
            throw failure
        } catch let error as LifecycleError {
            throw StartupFailure(exitCode: StartupFailure.dataError, lines: [error.message])
        } catch {
            throw StartupFailure(error)
        }
    }

    private func failInterruptedRuns() throws {
        let runs = try withRegistry { try $0.runningRetrainRuns() }
        for run in runs {
            try retrainFailed(model: run.model, run: run.id, detail: "vigild stopped during the run (crash, kill or power cut); it may be retried")
        }
    }

    private func registerInitialModel(_ model: String, path: String) throws {
        guard let bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw StartupFailure(exitCode: StartupFailure.noInput, lines: ["\(model): initial_model \(path) cannot be read"])
        }
        do {
            _ = try register(model, modelFile: bytes, reason: "initial_model in the configuration (\(path))", by: .daemon)
        } catch {
            throw StartupFailure(exitCode: StartupFailure.dataError, lines: ["\(model): initial_model: \(error.message)"])
        }
    }

    /// Verifies the production model file of `model` and rewrites `serving.json` when it disagrees with the registry.
    private func repairServing(of model: String) throws {
        try core.withLock { core in
            let registry = ModelRegistry(database: core.database)
            guard let production = try registry.production(of: model) else { return }
            let bytes = FileManager.default.contents(atPath: production.path).map(Array.init)
            guard let bytes else {
                throw LifecycleError(.failed, "\(model): the production model file \(production.path) (version \(production.version)) is missing; restore it from a backup (the registry records its SHA-256, \(production.sha256.prefix(12))…)")
            }
            do {
                _ = try ModelFile.decode(bytes, path: production.path)
            } catch {
                throw LifecycleError(.failed, "\(model): the production model (version \(production.version)) is unusable: \(error)")
            }
            guard SHA256.hexDigest(of: bytes) == production.sha256 else {
                throw LifecycleError(.failed, "\(model): the production model file \(production.path) (version \(production.version)) differs from the one registered (SHA-256 mismatch)")
            }
            let problem: String?
            do {
                if let serving = try store.readServing(of: model) {
                    let expected = try expectedServing(model, production: production, registry: registry, reason: serving.reason)
                    problem = Self.sameTarget(serving, expected) ? nil
                        : "it named version \(serving.version) (\(serving.status.rawValue)); the registry has version \(production.version) (\(expected.status.rawValue))"
                } else {
                    problem = "it was missing"
                }
            } catch {
                problem = "\(error)"
            }
            guard let problem else { return }
            let serving = try expectedServing(model, production: production, registry: registry, reason: "restored from the registry")
            try write(serving)
            try registry.append(.servingRepaired, model: model, version: production.version, from: nil, to: nil, actor: "vigild",
                                reason: "serving.json disagreed with the registry: \(problem)", at: Self.now())
            journal.log(.warning, "\(model): serving.json disagreed with the registry (\(problem)); rewritten to name version \(production.version)",
                        messageID: LifecycleEvent.servingRepaired.messageID,
                        fieldList: [("VIGIL_MODEL", model), ("VIGIL_VERSION", String(production.version)), ("VIGIL_EVENT", LifecycleEvent.servingRepaired.rawValue),
                                    ("VIGIL_SERVING_FILE", store.servingFile(of: model))])
        }
    }

    static func sameTarget(_ a: ServingFile, _ b: ServingFile) -> Bool {
        a.model == b.model && a.status == b.status && a.version == b.version && a.path == b.path && a.sha256 == b.sha256
    }

    // MARK: What monitoring needs

    /// The production version of each of `models` that has one.
    public func productionVersions(of models: [String]) -> [String: ProductionVersion] {
        var result: [String: ProductionVersion] = [:]
        core.withLock { core in
            let registry = ModelRegistry(database: core.database)
            for model in models {
                guard let production = try? registry.production(of: model), let trained = try? Self.load(production, core: core) else { continue }
                result[model] = ProductionVersion(version: production.version, document: trained.document)
            }
        }
        return result
    }

    /// The model file of a registered version, loaded once and kept.
    static func load(_ version: ModelRegistry.Version, core: Core) throws -> TrainedModel {
        if let loaded = core.models[version.sha256] { return loaded }
        let document = try ModelFile.read(version.path)
        let model = TrainedModel(document)
        core.models[version.sha256] = model
        return model
    }

    // MARK: Requests

    /// Registers `bytes` (a Vigil model file) as `model`'s next version and makes it production;
    /// a production version before it becomes `previous`.
    ///
    /// - Returns: the new version number.
    public func register(_ model: String, modelFile bytes: [UInt8], reason: String, by initiator: Initiator) throws(LifecycleError) -> Int {
        do {
            _ = try ModelFile.decode(bytes, path: "the model file")
        } catch {
            throw LifecycleError(.invalid, "\(error)")
        }
        return try transition(model) { core, registry, time in
            let number = max(try registry.lastVersionNumber(of: model), store.versions(of: model).last ?? 0) + 1
            let stored = try store.addVersion(of: model, modelFile: bytes, number: number)
            let document = try ModelFile.decode(bytes, path: stored.path)
            var changes: [Change] = []
            if let current = try registry.production(of: model) {
                changes += try retirePrevious(model, registry: registry)
                try registry.setState(.previous, of: model, version: current.version)
            }
            try registry.insert(ModelRegistry.Version(
                model: model, version: number, state: .production, origin: "registered", path: stored.path, sha256: stored.sha256,
                createdAt: time, validationAUROC: document.validation.auroc))
            changes.append(try record(.registered, model: model, version: number, from: nil, to: .production, by: initiator, reason: reason,
                                      details: ["sha256": stored.sha256, "validation_auroc": document.validation.auroc as Any], registry: registry, time: time))
            return Committed(value: number, changes: changes, servingReason: reason)
        }
    }

    /// Pauses or resumes `model`: `serving.json` says `paused` (the serving side falls back to
    /// standard care), and retraining and promotion stop; monitoring and alerting go on.
    ///
    /// - Returns: the state before.
    public func setPaused(_ paused: Bool, model: String, reason: String, by initiator: Initiator) throws(LifecycleError) -> (previous: String, changedAt: String) {
        try transition(model) { core, registry, time in
            let before = try registry.pauseState(of: model).paused ? "paused" : "active"
            let status = paused ? "paused" : "active"
            try core.database.run(
                """
                INSERT INTO model_state (model, status, reason, changed_at, changed_by) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (model) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                    changed_at = excluded.changed_at, changed_by = excluded.changed_by
                """,
                model, status, reason, time, initiator.name)
            var changes: [Change] = []
            if before != status {
                let version = try registry.production(of: model)?.version
                changes.append(try record(paused ? .paused : .resumed, model: model, version: version, from: nil, to: nil, by: initiator,
                                          reason: reason, registry: registry, time: time))
            }
            return Committed(value: (before, time), changes: changes, servingReason: reason)
        }
    }

    /// Promotes a candidate awaiting approval.
    public func approve(_ model: String, version: Int, reason: String?, by initiator: Initiator) throws(LifecycleError) {
        try transition(model) { _, registry, time in
            guard let candidate = try registry.version(version, of: model) else { throw Self.unknown(model, version) }
            guard candidate.state == .awaitingApproval else {
                throw LifecycleError(.refused, "\(model) version \(version) is \(candidate.state.rawValue), not awaiting_approval")
            }
            if try registry.pauseState(of: model).paused {
                throw LifecycleError(.refused, "\(model) is paused: resume it before promoting a version")
            }
            let why = reason ?? "approved by \(initiator.name)"
            let changes = try promote(model, candidate, by: initiator, reason: why, registry: registry, time: time)
            return Committed(value: (), changes: changes, servingReason: why)
        }
    }

    /// Turns down a candidate (held-out, staged or awaiting approval).
    public func reject(_ model: String, version: Int, reason: String, by initiator: Initiator) throws(LifecycleError) {
        try transition(model) { _, registry, time in
            guard let candidate = try registry.version(version, of: model) else { throw Self.unknown(model, version) }
            guard [.candidate, .staged, .awaitingApproval].contains(candidate.state) else {
                throw LifecycleError(.refused, "\(model) version \(version) is \(candidate.state.rawValue); only a candidate, staged or awaiting_approval version can be rejected")
            }
            try registry.setState(.rejected, of: model, version: version)
            var changes = [try record(.rejected, model: model, version: version, from: candidate.state, to: .rejected, by: initiator,
                                      reason: reason, registry: registry, time: time)]
            if candidate.state == .awaitingApproval { changes += try resolveAlert(.approvalNeeded, model: model, registry: registry) }
            return Committed(value: (), changes: changes, servingReason: nil)
        }
    }

    /// Puts `target` (default: the `previous` version) back into production; the current
    /// production version becomes `rolled_back`. Allowed while paused: it is a safety action.
    ///
    /// - Returns: the version now in production.
    @discardableResult
    public func rollback(_ model: String, to target: Int?, reason: String, by initiator: Initiator) throws(LifecycleError) -> Int {
        try transition(model) { core, registry, time in
            try rollBack(model, to: target, reason: reason, by: initiator, core: core, registry: registry, time: time)
        }
    }

    /// The rollback itself, inside a transition's transaction.
    func rollBack(_ model: String, to target: Int?, reason: String, by initiator: Initiator, core: Core, registry: ModelRegistry,
                  time: String, details: [String: Any] = [:]) throws -> Committed<Int> {
        guard let current = try registry.production(of: model) else {
            throw LifecycleError(.refused, "\(model) has no production version to roll back")
        }
        let destination: ModelRegistry.Version
        if let target {
            guard let chosen = try registry.version(target, of: model) else { throw Self.unknown(model, target) }
            guard [.previous, .retired].contains(chosen.state) else {
                throw LifecycleError(.refused, "\(model) version \(target) is \(chosen.state.rawValue); a rollback goes to a previous or retired version")
            }
            destination = chosen
        } else {
            guard let previous = try registry.versions(of: model, in: .previous).last else {
                throw LifecycleError(.refused, "\(model) has no previous version to roll back to; name one with --to")
            }
            destination = previous
        }
        do {
            _ = try Self.load(destination, core: core)
        } catch {
            throw LifecycleError(.refused, "\(model) version \(destination.version) cannot be restored: \(error)")
        }
        try registry.setState(.rolledBack, of: model, version: current.version)
        try registry.setState(.production, of: model, version: destination.version)
        // Back in production, the restored version is not on probation again.
        try registry.endProbation(of: model, version: destination.version)
        var eventDetails = details
        eventDetails["from_version"] = current.version
        eventDetails["to_version"] = destination.version
        // The event is about the version taken out; the journal entry also names the one restored.
        var change = try record(.rolledBack, model: model, version: current.version, from: .production, to: .rolledBack, by: initiator,
                                reason: reason, details: eventDetails, registry: registry, time: time)
        change.fields.append(("VIGIL_PRODUCTION_VERSION", String(destination.version)))
        change.message += " (version \(destination.version) is in production again)"
        var changes = [change]
        changes += try resolveAlert(.approvalNeeded, model: model, registry: registry)
        changes += try raiseAlert(
            .rolledBack, model: model, version: destination.version, severity: .critical,
            summary: "\(model): rolled back from version \(current.version) to \(destination.version): \(reason)",
            description: "Production of \(model) was switched back from version \(current.version) to version \(destination.version) (\(initiator == .daemon ? "automatically" : "by \(initiator.name)")). serving.json names version \(destination.version). Review version \(current.version)'s figures with `vigil history \(model)` before retraining again.",
            registry: registry)
        return Committed(value: destination.version, changes: changes, servingReason: reason)
    }

    static func unknown(_ model: String, _ version: Int) -> LifecycleError {
        LifecycleError(.invalid, "\(model) has no version \(version); `vigil history \(model)` lists them")
    }

    static func now() -> String { RFC3339Timestamp.string(from: Date()) }
}

extension Lifecycle {
    /// The production model of `model`, loaded; nil when none is registered.
    func productionModel(of model: String) throws -> TrainedModel? {
        try core.withLock { core in
            guard let production = try ModelRegistry(database: core.database).production(of: model) else { return nil }
            return try Self.load(production, core: core)
        }
    }

    /// A registered version's model, loaded once; nil when its file is unusable.
    func model(_ version: ModelRegistry.Version) throws -> TrainedModel? {
        core.withLock { core in try? Self.load(version, core: core) }
    }
}
