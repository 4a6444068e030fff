import VigilStats
import Foundation
import VigilStore
import VigilSystemd

/// Who sent a control request, as the kernel vouches for it.
public struct ControlCaller: Sendable {
    public var uid: UInt32
    public var user: String
    public var role: ControlRole
}

/// What a reload through the control socket came to.
public enum ReloadOutcome: Sendable {
    case applied(String)
    case rejected([String])
}

/// Carries out control requests against the state database: authorization, the commands, and
/// the audit trail. Used by one thread (the control server's), which owns its connection.
final class ControlHandler {
    private let database: Database
    private let databasePath: String
    private let journal: Journal
    private let reload: @Sendable () -> ReloadOutcome
    private let lifecycle: Lifecycle
    private let lifecycleEngine: LifecycleEngine?
    var config: Config

    init(databasePath: String, config: Config, journal: Journal, lifecycle: Lifecycle, lifecycleEngine: LifecycleEngine?,
         reload: @escaping @Sendable () -> ReloadOutcome) throws {
        database = try Database(path: databasePath)
        // A pause must survive a power cut once acknowledged: commit with a full fsync.
        try database.execute("PRAGMA synchronous = FULL")
        self.databasePath = databasePath
        self.config = config
        self.journal = journal
        self.reload = reload
        self.lifecycle = lifecycle
        self.lifecycleEngine = lifecycleEngine
    }

    /// Answers one request line from `caller` with one response object.
    func respond(to line: some Collection<UInt8>, from caller: ControlCaller) -> [String: Any] {
        let request: ControlRequest
        do {
            request = try ControlRequest(line: line)
        } catch {
            return error.response
        }
        guard caller.role >= request.command.requiredRole else {
            let message = "\(request.command.rawValue) needs the \(request.command.requiredRole.rawValue) role; \(caller.user) has \(caller.role.rawValue)"
            record(request, by: caller, result: "denied")
            journal.log(.warning, "control: \(caller.user) (uid \(caller.uid)) was refused \(request.command.rawValue): \(message)",
                        messageID: ControlEvent.denied.messageID, fieldList: journalFields(request, caller))
            return ControlError(.permissionDenied, message).response
        }
        do {
            let response = try perform(request, by: caller)
            if request.command.isAction {
                record(request, by: caller, result: "ok")
                journal.log(.notice, "control: \(caller.user) ran \(request.command.rawValue)\(request.model.map { " on \($0)" } ?? "")\(request.reason.map { ": \($0)" } ?? "")",
                            messageID: ControlEvent.action.messageID, fieldList: journalFields(request, caller))
            }
            return response
        } catch let error as LifecycleError {
            let control = ControlError(error)
            if request.command.isAction { record(request, by: caller, result: control.code.rawValue) }
            return control.response
        } catch let error as ControlError {
            if request.command.isAction { record(request, by: caller, result: error.code.rawValue) }
            return error.response
        } catch {
            if request.command.isAction { record(request, by: caller, result: "failed") }
            return ControlError(.failed, "\(error)").response
        }
    }

    private func journalFields(_ request: ControlRequest, _ caller: ControlCaller) -> [(String, String)] {
        [("VIGIL_ACTOR_UID", String(caller.uid)), ("VIGIL_ACTOR", caller.user), ("VIGIL_ROLE", caller.role.rawValue),
         ("VIGIL_COMMAND", request.command.rawValue), ("VIGIL_MODEL", request.model ?? ""), ("VIGIL_REASON", request.reason ?? "")]
    }

    private func record(_ request: ControlRequest, by caller: ControlCaller, result: String) {
        do {
            try database.run(
                "INSERT INTO audit (at, uid, user, role, command, model, arguments, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                Self.now(), Int64(caller.uid), caller.user, caller.role.rawValue, request.command.rawValue,
                request.model, request.argumentsJSON, result)
        } catch {
            journal.log(.critical, "control: could not write the audit trail: \(error)", fields: ["VIGIL_COMMAND": request.command.rawValue])
        }
    }

    private func perform(_ request: ControlRequest, by caller: ControlCaller) throws -> [String: Any] {
        if let model = request.model, config.model(named: model) == nil {
            throw ControlError(.unknownModel, "no model named \"\(model.prefix(64))\" is configured; configured: \(config.models.map(\.name).joined(separator: ", "))")
        }
        switch request.command {
        case .status:
            var report = try StatusReport.read(databasePath: databasePath)
            if let model = request.model { report.models = report.models.filter { $0.name == model } }
            return try Self.merge(["ok": true], with: report)
        case .quarantine:
            let report = try QuarantineReport.read(databasePath: databasePath, model: request.model!, limit: request.limit ?? 50)
            return try Self.merge(["ok": true], with: report)
        case .history:
            let report = try HistoryReport.read(from: database, model: request.model!, since: request.since, limit: request.limit ?? 100)
            return try Self.merge(["ok": true], with: report)
        case .alerts:
            return try Self.merge(["ok": true], with: AlertsReport.read(from: database, firingOnly: request.firingOnly, model: request.model))
        case .audit:
            let entries = try AuditEntry.read(from: database, model: request.model, since: request.since, limit: request.limit ?? 100)
            return ["ok": true, "entries": try Self.jsonObject(entries)]
        case .pause, .resume:
            let pausing = request.command == .pause
            let model = request.model!
            let (previous, changedAt) = try lifecycle.setPaused(pausing, model: model, reason: request.reason!, by: .user(caller.user))
            let state = pausing ? "paused" : "active"
            return ["ok": true, "model": model, "state": state, "previous_state": previous, "changed_at": changedAt,
                    "message": previous == state ? "\(model) was already \(state)" : "\(model) is now \(state)"]
        case .reload:
            switch reload() {
            case .applied(let summary):
                return ["ok": true, "message": summary]
            case .rejected(let lines):
                throw ControlError(.invalidConfig, "the configuration was not reloaded: " + lines.joined(separator: "; "))
            }
        case .register:
            let model = request.model!
            let version = try lifecycle.register(model, modelFile: Array(request.modelFile!.utf8),
                                                 reason: request.reason ?? "registered by \(caller.user)", by: .user(caller.user))
            return ["ok": true, "model": model, "version": version, "message": "\(model) version \(version) registered and in production"]
        case .approve:
            let model = request.model!, version = try Self.versionNumber(request.version!)
            try lifecycle.approve(model, version: version, reason: request.reason, by: .user(caller.user))
            return ["ok": true, "model": model, "version": version, "message": "\(model) version \(version) approved and promoted"]
        case .reject:
            let model = request.model!, version = try Self.versionNumber(request.version!)
            try lifecycle.reject(model, version: version, reason: request.reason!, by: .user(caller.user))
            return ["ok": true, "model": model, "version": version, "message": "\(model) version \(version) rejected"]
        case .rollback:
            let model = request.model!
            let target = try request.target.map(Self.versionNumber)
            let version = try lifecycle.rollback(model, to: target, reason: request.reason!, by: .user(caller.user))
            return ["ok": true, "model": model, "version": version, "message": "\(model) rolled back: version \(version) is in production"]
        case .retrain:
            let model = config.model(named: request.model!)!
            let why = request.reason.map { ": \($0)" } ?? ""
            let run = try lifecycle.requestRetrain(model, trigger: "vigil retrain by \(caller.user)\(why)", by: .user(caller.user), automatic: false)
            lifecycleEngine?.wake()
            return ["ok": true, "model": model.name, "run": run, "message": "\(model.name): retraining run \(run) started; `vigil history \(model.name)` follows it"]
        }
    }

    static func versionNumber(_ text: String) throws(ControlError) -> Int {
        guard let number = Int(text.hasPrefix("v") ? String(text.dropFirst()) : text), number > 0 else {
            throw ControlError(.badRequest, "\"\(text.prefix(32))\" is not a version number")
        }
        return number
    }

    static func now() -> String {
        RFC3339Timestamp.string(from: Date())
    }

    static func jsonObject(_ value: some Encodable) throws -> Any {
        let encoder = JSONEncoder()
        return try JSONSerialization.jsonObject(with: encoder.encode(value))
    }

    static func merge(_ base: [String: Any], with value: some Encodable) throws -> [String: Any] {
        var result = base
        if let object = try jsonObject(value) as? [String: Any] {
            for (key, item) in object { result[key] = item }
        }
        return result
    }
}

/// One row of the audit trail.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var uid: Int64
    public var user: String
    public var role: String
    public var command: String
    public var model: String?
    /// The request's arguments, as JSON text.
    public var arguments: String
    public var result: String

    /// The newest `limit` entries (for `model`, since `since` when given), oldest first.
    public static func read(from database: Database, model: String?, since: String?, limit: Int) throws -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let model { conditions.append("model = ?"); arguments.append(.text(model)) }
        if let since { conditions.append("at >= ?"); arguments.append(.text(since)) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try database.query(
            "SELECT * FROM (SELECT * FROM audit \(filter) ORDER BY seq DESC LIMIT \(max(limit, 1))) ORDER BY seq",
            arguments: arguments)
        return rows.map { row in
            AuditEntry(seq: row["seq"].int64 ?? 0, at: row["at"].string ?? "", uid: row["uid"].int64 ?? 0,
                       user: row["user"].string ?? "", role: row["role"].string ?? "", command: row["command"].string ?? "",
                       model: row["model"].string, arguments: row["arguments"].string ?? "{}", result: row["result"].string ?? "")
        }
    }
}

/// The journal entries of the control socket, with their catalog ids.
public enum ControlEvent: String, Sendable, CaseIterable {
    case action = "b3e2c1d4a5f64789b0c1d2e3f4a5b6c7"
    case denied = "c4d3e2f1a0b94c8d7e6f5a4b3c2d1e0f"

    public var messageID: String { rawValue }
}
