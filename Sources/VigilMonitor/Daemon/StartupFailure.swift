import VigilStore

/// A reason the daemon cannot start, as the one line and sysexits code a user sees.
public struct StartupFailure: Error, Sendable, CustomStringConvertible {
    /// The exit status, from sysexits.h.
    public let exitCode: Int32
    /// What went wrong and where, one line per problem (several only for config problems).
    public let lines: [String]

    public var description: String { lines.joined(separator: "\n") }

    public static let usage: Int32 = 64       // EX_USAGE
    public static let dataError: Int32 = 65   // EX_DATAERR
    public static let noInput: Int32 = 66     // EX_NOINPUT
    public static let software: Int32 = 70    // EX_SOFTWARE
    public static let cannotCreate: Int32 = 73 // EX_CANTCREAT
    public static let ioError: Int32 = 74     // EX_IOERR
    public static let tryAgain: Int32 = 75    // EX_TEMPFAIL
    public static let noPermission: Int32 = 77 // EX_NOPERM
    public static let config: Int32 = 78      // EX_CONFIG

    public init(exitCode: Int32, lines: [String]) {
        self.exitCode = exitCode
        self.lines = lines
    }

    /// Classifies any error thrown while starting or reloading.
    public init(_ error: any Error) {
        switch error {
        case let failure as StartupFailure:
            self = failure
        case let error as ConfigError:
            switch error {
            case .unreadable: self.init(exitCode: Self.noInput, lines: [error.description])
            case .invalid(let path, let problems):
                self.init(exitCode: Self.config, lines: problems.map { "\(path): \($0)" })
            }
        case let error as StateDirectoryError:
            switch error {
            case .unusable: self.init(exitCode: Self.cannotCreate, lines: [error.description])
            case .inUse: self.init(exitCode: Self.tryAgain, lines: [error.description])
            }
        case let error as StateDatabaseFileError:
            if case .cannotCreate = error {
                self.init(exitCode: Self.cannotCreate, lines: [error.description])
            } else {
                self.init(exitCode: Self.dataError, lines: [error.description])
            }
        case let error as MigrationError:
            self.init(exitCode: Self.dataError, lines: [error.description])
        case let error as SQLiteError:
            let path = error.path ?? "the state database"
            switch error.kind {
            case .busy, .locked:
                self.init(exitCode: Self.tryAgain, lines: ["database \(path) is locked by another process: \(error.message)"])
            case .notADatabase, .corrupt:
                self.init(exitCode: Self.dataError, lines: ["database \(path) is not a valid SQLite database (corrupt or foreign file): \(error.message); move it aside or restore a backup"])
            case .permission, .readOnly, .cannotOpen:
                self.init(exitCode: Self.cannotCreate, lines: ["database \(path) cannot be opened for writing: \(error.message)"])
            case .full:
                self.init(exitCode: Self.ioError, lines: ["database \(path): the disk is full"])
            default:
                self.init(exitCode: Self.ioError, lines: ["database \(path): \(error.description)"])
            }
        default:
            self.init(exitCode: Self.software, lines: ["\(error)"])
        }
    }
}
