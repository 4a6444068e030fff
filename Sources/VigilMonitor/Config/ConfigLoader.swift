import Foundation
import Yams

/// Reads and checks a configuration file, the one place where config keys, types,
/// defaults and rules are defined.
///
/// Relative paths written in the file are taken relative to the file's folder.
/// Defaults: `state_dir` is `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`) or
/// `./vigil-state`; `control_socket` is `$RUNTIME_DIRECTORY/control.sock` or
/// `<state_dir>/control.sock`.
public struct ConfigLoader: Sendable {
    /// The environment defaults are taken from.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    static let topLevelKeys = [
        "state_dir", "control_socket", "metrics_file", "alertmanager", "alert_command",
        "control_group", "admin_group", "clinical_group", "models",
    ]
    static let modelKeys = [
        "name", "predictions", "outcomes", "label_horizon", "features", "reference",
        "subgroups", "window", "drift", "ignore_drift", "performance", "data_quality", "pipeline",
        "retrain", "gates", "staging", "promotion", "probation", "initial_model", "group",
    ]
    /// The longest path a Unix socket can be bound to (`sun_path` holds 108 bytes with the NUL).
    static let maximumSocketPathLength = 107

    /// Reads and checks the file at `path`.
    ///
    /// - Throws: `ConfigError.unreadable` when the file cannot be read, `ConfigError.invalid`
    ///   with every problem found otherwise.
    public func load(path: String) throws(ConfigError) -> Config {
        // An absolute path, so that paths relative to the file stay right whatever the working directory.
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: access(path, R_OK) != 0 ? "permission denied" : "read failed")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalid(path: path, problems: [ConfigProblem(path: "", message: "the file is not valid UTF-8", line: nil)])
        }
        return try parse(yaml: text, path: path)
    }

    /// Checks `yaml`, as if read from `path` (used for messages and relative paths).
    public func parse(yaml: String, path: String) throws(ConfigError) -> Config {
        if let line = YAMLExpansion.lineBeyondLimit(in: yaml) {
            throw .invalid(path: path, problems: [ConfigProblem(
                path: "", message: "aliases expand the file to more than \(YAMLExpansion.limit) YAML nodes; "
                    + "a configuration needs far fewer (write the repeated part out, or nest fewer aliases)",
                line: line)])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw .invalid(path: path, problems: [Self.syntaxProblem(error, in: yaml)])
        }
        let reader = YAMLReader()
        let baseDirectory = (path as NSString).deletingLastPathComponent
        let config = read(root, reader: reader, baseDirectory: baseDirectory.isEmpty ? "." : baseDirectory)
        guard reader.problems.isEmpty, let config else {
            throw .invalid(path: path, problems: reader.problems)
        }
        return config
    }

    static func syntaxProblem(_ error: any Error, in yaml: String) -> ConfigProblem {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
                let detail = context.map { "\(problem) \($0.text)" } ?? problem
                return ConfigProblem(path: "", message: "YAML syntax error: \(detail) (column \(mark.column))", line: mark.line)
            case let .duplicatedKeysInMapping(duplicates, context):
                let key = duplicates.first ?? ""
                let line = secondOccurrence(ofKey: key, in: yaml, after: context.mark.line) ?? context.mark.line
                return ConfigProblem(path: "", message: "duplicate key \"\(key)\"", line: line)
            default:
                break
            }
        }
        return ConfigProblem(path: "", message: "YAML syntax error: \(error)", line: nil)
    }

    /// The line of the second `key:` at or after `line`: Yams reports a duplicate key at its
    /// mapping's start, and the user needs the line of the repeat.
    static func secondOccurrence(ofKey key: String, in yaml: String, after line: Int) -> Int? {
        var count = 0
        for (index, text) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where index + 1 >= line {
            let trimmed = text.drop { $0 == " " || $0 == "-" || $0 == "{" || $0 == "," }
            if trimmed.hasPrefix("\(key):") || trimmed.hasPrefix("\(key) :") {
                count += 1
                if count == 2 { return index + 1 }
            }
        }
        return nil
    }

    private func read(_ root: Node?, reader: YAMLReader, baseDirectory: String) -> Config? {
        guard let root, !YAMLReader.isNull(root) else {
            reader.report("", "the file is empty; expected a mapping with at least `models`", at: nil)
            return nil
        }
        guard let entries = reader.mapping(root, at: "", allowed: Self.topLevelKeys) else { return nil }
        let resolve = { (path: String) in Self.resolve(path, against: baseDirectory) }

        var stateDirectory: String?
        var controlSocket: (String, Node)?
        var metricsFile: String?
        var alertmanager: AlertmanagerConfig?
        var alertCommand: String?
        var groups = ["control_group": "vigil", "admin_group": "vigil-admin", "clinical_group": "vigil-clinical"]
        var models: [ModelConfig]?

        for (key, value) in entries {
            switch key {
            case "state_dir":
                stateDirectory = reader.string(value, at: key).map(resolve)
            case "control_socket":
                if let socket = reader.string(value, at: key) { controlSocket = (resolve(socket), value) }
            case "metrics_file":
                metricsFile = reader.string(value, at: key).map(resolve)
            case "alertmanager":
                alertmanager = readAlertmanager(value, reader: reader, resolve: resolve)
            case "alert_command":
                if let command = reader.string(value, at: key) {
                    if command.hasPrefix("/") { alertCommand = command } else {
                        reader.report(key, "expected an absolute path to a program, found \"\(command)\"", at: value)
                    }
                }
            case "control_group", "admin_group", "clinical_group":
                if let group = reader.string(value, at: key) { groups[key] = group }
            case "models":
                models = readModels(value, reader: reader, resolve: resolve)
            default:
                break
            }
        }
        if !entries.contains(where: { $0.key == "models" }) {
            reader.report("models", "missing: list at least one model to watch", at: root)
        }

        let state = stateDirectory ?? defaultStateDirectory()
        let socket = controlSocket?.0 ?? defaultControlSocket(stateDirectory: state)
        if socket.utf8.count > Self.maximumSocketPathLength {
            reader.report("control_socket", "the socket path \(socket) is \(socket.utf8.count) bytes long; Unix sockets allow at most \(Self.maximumSocketPathLength)", at: controlSocket?.1)
        }
        guard let models else { return nil }
        return Config(
            stateDirectory: state,
            controlSocket: socket,
            metricsFile: metricsFile,
            alertmanager: alertmanager,
            alertCommand: alertCommand,
            controlGroup: groups["control_group"]!,
            adminGroup: groups["admin_group"]!,
            clinicalGroup: groups["clinical_group"]!,
            models: models)
    }

    private func readAlertmanager(_ node: Node, reader: YAMLReader, resolve: (String) -> String) -> AlertmanagerConfig? {
        guard let entries = reader.mapping(node, at: "alertmanager", allowed: ["url", "runbook_url", "token_file"]) else { return nil }
        var token: Secret?
        if let (_, tokenNode) = entries.first(where: { $0.key == "token_file" }),
           let path = reader.string(tokenNode, at: "alertmanager.token_file").map(resolve) {
            switch TokenFile.read(path) {
            case .success(let secret): token = secret
            case .failure(let problem): reader.report("alertmanager.token_file", problem.description, at: tokenNode)
            }
        }
        let runbook = entries.first { $0.key == "runbook_url" }.flatMap { reader.string($0.value, at: "alertmanager.runbook_url") }
        guard let (_, urlNode) = entries.first(where: { $0.key == "url" }) else {
            reader.report("alertmanager.url", "missing: Alertmanager's base URL, e.g. http://127.0.0.1:9093", at: node)
            return nil
        }
        guard let url = reader.string(urlNode, at: "alertmanager.url") else { return nil }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            reader.report("alertmanager.url", "expected an http:// or https:// URL, found \"\(url)\"", at: urlNode)
            return nil
        }
        return AlertmanagerConfig(url: url, runbookBase: runbook, token: token)
    }

    private func readModels(_ node: Node, reader: YAMLReader, resolve: (String) -> String) -> [ModelConfig]? {
        guard let items = reader.list(node, at: "models") else { return nil }
        if items.isEmpty { reader.report("models", "the list is empty; list at least one model to watch", at: node) }
        var models: [ModelConfig] = []
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "models[\(index)]"
            guard let model = readModel(item, at: path, reader: reader, resolve: resolve) else { continue }
            if !names.insert(model.name).inserted {
                reader.report("\(path).name", "another model is already named \"\(model.name)\"", at: item)
            }
            models.append(model)
        }
        return models
    }

    private func readModel(_ node: Node, at path: String, reader: YAMLReader, resolve: (String) -> String) -> ModelConfig? {
        guard let entries = reader.mapping(node, at: path, allowed: Self.modelKeys) else { return nil }
        var name: String?
        var predictions: String?
        var outcomes: String?
        var horizon = ModelConfig.defaultLabelHorizon
        var features: [FeatureSpec] = []
        var reference: String?
        var subgroups: [String] = []
        var window = WindowConfig.default
        var rules = ModelConfig.Rules()
        var lifecycle = LifecycleSettings()
        var complete = true

        for (key, value) in entries {
            let keyPath = "\(path).\(key)"
            switch key {
            case "name":
                name = reader.string(value, at: keyPath)
                if let candidate = name, !Self.isValidModelName(candidate) {
                    reader.report(keyPath, "\"\(candidate)\" is not a valid model name: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters", at: value)
                }
            case "predictions": predictions = reader.string(value, at: keyPath).map(resolve)
            case "outcomes": outcomes = reader.string(value, at: keyPath).map(resolve)
            case "label_horizon": horizon = reader.duration(value, at: keyPath) ?? horizon
            case "features": features = readFeatures(value, at: keyPath, reader: reader)
            case "reference": reference = reader.string(value, at: keyPath).map(resolve)
            case "subgroups": subgroups = reader.stringList(value, at: keyPath) ?? []
            case "window": window = readWindow(value, at: keyPath, reader: reader) ?? window
            case "drift", "ignore_drift", "performance", "data_quality", "pipeline":
                readRules(key, value, at: keyPath, into: &rules, reader: reader)
            case "retrain", "gates", "staging", "promotion", "probation", "initial_model", "group":
                readLifecycle(key, value, at: keyPath, into: &lifecycle, reader: reader, resolve: resolve)
            default: break
            }
        }
        for required in ["name", "predictions", "outcomes"] where !entries.contains(where: { $0.key == required }) {
            reader.report("\(path).\(required)", "missing: every model needs \(required)", at: node)
            complete = false
        }
        if let predictions, predictions == outcomes {
            reader.report("\(path).outcomes", "the outcome log must be a different file from the prediction log", at: node)
        }
        for feature in rules.ignoreDrift where !features.isEmpty && !features.contains(where: { $0.name == feature }) {
            reader.report("\(path).ignore_drift", "\"\(feature)\" is not one of the model's features", at: node)
        }
        guard complete, let name, let predictions, let outcomes else { return nil }
        var model = ModelConfig(
            name: name, predictionsPath: predictions, outcomesPath: outcomes, labelHorizon: horizon,
            features: features, referencePath: reference, subgroups: subgroups, window: window)
        model.drift = rules.drift
        model.ignoreDrift = rules.ignoreDrift
        model.performance = rules.performance
        model.dataQuality = rules.dataQuality
        model.pipeline = rules.pipeline
        model.lifecycle = lifecycle
        return model
    }

    private func readFeatures(_ node: Node, at path: String, reader: YAMLReader) -> [FeatureSpec] {
        guard case .mapping(let mapping) = node else {
            reader.report(path, "expected a mapping of feature names to numeric or categorical, found \(YAMLReader.describe(node))", at: node)
            return []
        }
        let names = mapping.compactMap { $0.key.scalar?.string }
        guard let entries = reader.mapping(node, at: path, allowed: names) else { return [] }
        var features: [FeatureSpec] = []
        var seen: Set<String> = []
        for (name, value) in entries where seen.insert(name).inserted {
            let featurePath = "\(path).\(name)"
            guard let text = reader.string(value, at: featurePath) else { continue }
            guard let type = FeatureType(rawValue: text) else {
                reader.report(featurePath, "expected numeric or categorical, found \"\(text)\"", at: value)
                continue
            }
            features.append(FeatureSpec(name: name, type: type))
        }
        return features
    }

    private func readWindow(_ node: Node, at path: String, reader: YAMLReader) -> WindowConfig? {
        guard let entries = reader.mapping(node, at: path, allowed: ["predictions", "duration", "close_after"]) else { return nil }
        let byKey = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        switch (byKey["predictions"], byKey["duration"]) {
        case (let count?, nil):
            if let closeAfter = byKey["close_after"] {
                reader.report("\(path).close_after", "only applies to a duration window", at: closeAfter)
            }
            return reader.integer(count, at: "\(path).predictions", in: 10...100_000_000).map(WindowConfig.predictions)
        case (nil, let length?):
            guard let span = reader.duration(length, at: "\(path).duration") else { return nil }
            var closeAfter: TimeSpan?
            if let node = byKey["close_after"] {
                closeAfter = reader.duration(node, at: "\(path).close_after")
                if closeAfter == nil { return nil }
            }
            return .duration(span, closeAfter: closeAfter)
        case (_?, _?):
            reader.report(path, "set either predictions or duration, not both", at: node)
            return nil
        case (nil, nil):
            reader.report(path, "set predictions (a count) or duration (e.g. 24h)", at: node)
            return nil
        }
    }

    static func isValidModelName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func isLowerOrDigit(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        return isLowerOrDigit(first) && bytes.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func resolve(_ path: String, against base: String) -> String {
        let joined = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        return joined.hasPrefix("/") ? URL(fileURLWithPath: joined).standardizedFileURL.path : joined
    }

    func defaultStateDirectory() -> String {
        // systemd passes a colon-separated list when StateDirectory= names several.
        if let fromSystemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first {
            return String(fromSystemd)
        }
        return "./vigil-state"
    }

    func defaultControlSocket(stateDirectory: String) -> String {
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first {
            return "\(runtime)/control.sock"
        }
        return (stateDirectory as NSString).appendingPathComponent("control.sock")
    }
}
