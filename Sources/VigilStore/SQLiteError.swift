import CSQLite

/// An error reported by SQLite: its result code, its message, and the SQL that failed.
///
/// Statement arguments are never included: they may hold patient data, and these
/// errors reach logs.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code (`sqlite3_extended_errcode`), e.g. 2067 for SQLITE_CONSTRAINT_UNIQUE.
    public let extendedCode: Int32
    /// SQLite's message for the failure (`sqlite3_errmsg`).
    public let message: String
    /// The SQL text being prepared or run, if any.
    public let sql: String?
    /// The database file, if known.
    public let path: String?

    /// The primary result code (the low byte of the extended code), e.g. SQLITE_BUSY.
    public var code: Int32 { extendedCode & 0xff }

    /// The primary result code as a value that can be matched in a `switch`.
    public var kind: Kind { Kind(rawValue: code) ?? .other }

    public init(extendedCode: Int32, message: String, sql: String? = nil, path: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
        self.path = path
    }

    public var description: String {
        var text = "SQLite error \(code) (\(String(cString: sqlite3_errstr(extendedCode)))): \(message)"
        if let path { text += " [\(path)]" }
        if let sql { text += " while running `\(sql.prefix(200))`" }
        return text
    }

    /// The primary SQLite result codes Vigil reacts to.
    public enum Kind: Int32, Sendable {
        case error = 1          // SQLITE_ERROR
        case permission = 3     // SQLITE_PERM
        case busy = 5           // SQLITE_BUSY
        case locked = 6         // SQLITE_LOCKED
        case readOnly = 8       // SQLITE_READONLY
        case ioError = 10       // SQLITE_IOERR
        case corrupt = 11       // SQLITE_CORRUPT
        case full = 13          // SQLITE_FULL
        case cannotOpen = 14    // SQLITE_CANTOPEN
        case constraint = 19    // SQLITE_CONSTRAINT
        case mismatch = 20      // SQLITE_MISMATCH
        case misuse = 21        // SQLITE_MISUSE
        case notADatabase = 26  // SQLITE_NOTADB
        case other = -1
    }
}
