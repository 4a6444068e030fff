/// One thing wrong in a configuration file: where (YAML path and line) and why.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// The YAML path, e.g. `models[0].drift.psi.alert`; empty for the document itself.
    public let path: String
    public let message: String
    /// The 1-based line in the file, when known.
    public let line: Int?

    public init(path: String, message: String, line: Int?) {
        self.path = path
        self.message = message
        self.line = line
    }

    /// `models[0].drift.psi.alert: expected a number, found "high" (line 14)`.
    public var description: String {
        let location = path.isEmpty ? "" : "\(path): "
        let suffix = line.map { " (line \($0))" } ?? ""
        return "\(location)\(message)\(suffix)"
    }
}

/// Why a configuration could not be used.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, a directory, no permission).
    case unreadable(path: String, reason: String)
    /// The file was read but holds problems; all of them are listed.
    case invalid(path: String, problems: [ConfigProblem])

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read configuration \(path): \(reason)"
        case let .invalid(path, problems):
            return problems.map { "\(path): \($0)" }.joined(separator: "\n")
        }
    }
}
