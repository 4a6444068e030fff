import Foundation
import VigilML

/// One request of the control protocol: a JSON object on one line,
/// `{"v":1,"cmd":"pause","model":"sepsis-risk","reason":"..."}`.
public struct ControlRequest: Sendable, Equatable {
    public var command: ControlCommand
    public var model: String?
    public var reason: String?
    public var version: String?
    /// `rollback --to VERSION`.
    public var target: String?
    /// `alerts --firing`.
    public var firingOnly: Bool
    /// `audit --since` (RFC 3339).
    public var since: String?
    /// `quarantine`, `audit`, `history`: at most this many rows.
    public var limit: Int?
    /// `register`: the model file's content (a Vigil model file is JSON text). The client reads
    /// the file; vigild never opens a path a client names.
    public var modelFile: String?

    /// The longest request line accepted, in bytes.
    public static let maximumLength = 64 * 1024
    /// The longest request line accepted from an admin (`register` carries a model file).
    public static let maximumAdminLength = 16 * 1024 * 1024
    /// The protocol version this daemon speaks.
    public static let protocolVersion = 1

    /// The request's arguments as a JSON object, for the audit trail.
    public var argumentsJSON: String {
        var arguments: [String: Any] = [:]
        if let model { arguments["model"] = model }
        if let reason { arguments["reason"] = reason }
        if let version { arguments["version"] = version }
        if let target { arguments["to"] = target }
        if firingOnly { arguments["firing"] = true }
        if let since { arguments["since"] = since }
        if let limit { arguments["limit"] = limit }
        if let modelFile {
            // The audit trail records which file, not the file.
            let bytes = Array(modelFile.utf8)
            arguments["model_file_sha256"] = SHA256.hexDigest(of: bytes)
            arguments["model_file_bytes"] = bytes.count
        }
        let data = (try? JSONSerialization.data(withJSONObject: arguments, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses one request line (without its newline).
    ///
    /// - Throws: `ControlError` naming what is wrong: invalid JSON, an unknown command, a
    ///   missing or mistyped argument, an unsupported protocol version.
    public init(line: some Collection<UInt8>) throws(ControlError) {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw ControlError(.invalidJSON, "the request must be a JSON object")
            }
            object = parsed
        } catch let error as ControlError {
            throw error
        } catch {
            throw ControlError(.invalidJSON, "the request is not valid JSON")
        }
        if let version = object["v"] {
            guard let number = version as? Int, number == Self.protocolVersion else {
                throw ControlError(.badRequest, "unsupported protocol version \(version); this vigild speaks v\(Self.protocolVersion)")
            }
        }
        guard let name = object["cmd"] as? String else { throw ControlError(.missingArgument, "missing \"cmd\"") }
        guard let command = ControlCommand(rawValue: name) else {
            throw ControlError(.unknownCommand, "unknown command \"\(name.prefix(64))\"; known: \(ControlCommand.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func string(_ key: String) throws(ControlError) -> String? {
            guard let value = object[key] else { return nil }
            if value is NSNull { return nil }
            guard let text = value as? String else { throw ControlError(.badRequest, "\"\(key)\" must be a string") }
            return text.isEmpty ? nil : text
        }
        self.command = command
        model = try string("model")
        reason = try string("reason")
        version = try string("version")
        target = try string("to")
        since = try string("since")
        modelFile = try string("model_file")
        firingOnly = (object["firing"] as? Bool) ?? false
        if let value = object["limit"] {
            guard let number = value as? Int, number > 0 else { throw ControlError(.badRequest, "\"limit\" must be a positive whole number") }
            limit = number
        } else {
            limit = nil
        }
        try checkArguments()
    }

    public init(command: ControlCommand, model: String? = nil, reason: String? = nil, version: String? = nil,
                target: String? = nil, firingOnly: Bool = false, since: String? = nil, limit: Int? = nil, modelFile: String? = nil) {
        self.command = command
        self.model = model
        self.reason = reason
        self.version = version
        self.target = target
        self.firingOnly = firingOnly
        self.since = since
        self.limit = limit
        self.modelFile = modelFile
    }

    /// Each command's required arguments; `--reason` is required wherever clinical governance wants the why.
    private func checkArguments() throws(ControlError) {
        let needsModel: Set<ControlCommand> = [.history, .quarantine, .pause, .resume, .approve, .reject, .rollback, .retrain, .register]
        let needsReason: Set<ControlCommand> = [.pause, .resume, .reject, .rollback]
        let needsVersion: Set<ControlCommand> = [.approve, .reject]
        if needsModel.contains(command), model == nil { throw ControlError(.missingArgument, "\(command.rawValue) needs \"model\"") }
        if needsVersion.contains(command), version == nil { throw ControlError(.missingArgument, "\(command.rawValue) needs \"version\"") }
        if command == .register, modelFile == nil { throw ControlError(.missingArgument, "register needs \"model_file\": the model file's content") }
        if needsReason.contains(command), reason == nil {
            throw ControlError(.missingArgument, "\(command.rawValue) needs a \"reason\": clinical governance records why")
        }
    }
}

/// A control request that failed: a stable code for scripts and a message for people.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case badRequest = "bad_request"
        case requestTooLarge = "request_too_large"
        case unknownCommand = "unknown_command"
        case missingArgument = "missing_argument"
        case permissionDenied = "permission_denied"
        case unknownModel = "unknown_model"
        case notAvailable = "not_available"
        /// The life cycle does not allow it now (paused, wrong state, too soon).
        case refused
        case invalidConfig = "invalid_config"
        case timeout
        case tooManyConnections = "too_many_connections"
        case failed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// A life-cycle refusal or failure, as the client sees it.
    public init(_ error: LifecycleError) {
        switch error.kind {
        case .refused: self.init(.refused, error.message)
        case .invalid: self.init(.badRequest, error.message)
        case .failed: self.init(.failed, error.message)
        }
    }

    /// The response line for this error.
    public var response: [String: Any] {
        ["ok": false, "error": ["code": code.rawValue, "message": message]]
    }
}
