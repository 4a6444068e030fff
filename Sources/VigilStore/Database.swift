import CSQLite

/// A connection to one SQLite database file, set up the way Vigil's state needs it:
/// WAL journal, `synchronous=NORMAL`, a busy timeout and foreign keys on.
///
/// A `Database` is not `Sendable`: it has one owner (an actor or a thread), which
/// keeps SQLite's connection single-threaded and its statement cache consistent.
public final class Database {
    /// How a database is opened.
    public struct Options: Sendable {
        /// Open read-only; the file must exist.
        public var readOnly: Bool
        /// Create the file when missing (ignored when read-only).
        public var create: Bool
        /// How long a statement waits on a lock held by another connection, in milliseconds.
        public var busyTimeoutMilliseconds: Int32
        /// The page size of a database created by this connection (SQLite's default, 4096, when nil).
        public var pageSize: Int?
        /// The size a WAL is cut back to when this connection starts it over (`journal_size_limit`).
        /// Without it the file keeps the size of its largest backlog for good.
        public static let walSizeAfterRestart: Int64 = 64 << 20

        public init(readOnly: Bool = false, create: Bool = true, busyTimeoutMilliseconds: Int32 = 5_000, pageSize: Int? = nil) {
            self.readOnly = readOnly
            self.create = create
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.pageSize = pageSize
        }
    }

    /// The path the database was opened at.
    public let path: String
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]
    private var transactionDepth = 0

    /// Opens (and by default creates) the database at `path`.
    ///
    /// - Throws: `SQLiteError` when the file cannot be opened, is not a database,
    ///   or does not accept WAL mode.
    public init(path: String, options: Options = Options()) throws(SQLiteError) {
        _ = Self.configureOnce
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if options.readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if options.create { flags |= SQLITE_OPEN_CREATE }
        }
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(connection)
            throw SQLiteError(extendedCode: code, message: message, path: path)
        }
        self.path = path
        self.handle = connection
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, options.busyTimeoutMilliseconds)
        do throws(SQLiteError) {
            // Reading the schema first makes a file that is not a database fail here, clearly.
            let tables = try scalar("SELECT count(*) FROM sqlite_schema")?.int ?? 0
            if !options.readOnly {
                // The page size can only be chosen before a database has content (and before WAL).
                if tables == 0, let pageSize = options.pageSize {
                    try execute("PRAGMA page_size = \(pageSize)")
                }
                let mode = try scalar("PRAGMA journal_mode=WAL")?.string?.lowercased()
                guard mode == "wal" else {
                    throw SQLiteError(extendedCode: SQLITE_ERROR, message: "could not enable WAL journal mode (got \(mode ?? "nothing"))", path: path)
                }
                _ = try scalar("PRAGMA journal_size_limit = \(Options.walSizeAfterRestart)")
            }
            try execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        } catch {
            statementCache.removeAll()
            sqlite3_close_v2(connection)
            throw error
        }
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Process-wide SQLite settings, applied before the first connection opens.
    private static let configureOnce: Void = {
        _ = vigil_sqlite_disable_memory_statistics()
    }()

    /// The cached prepared statement for `sql`, for hot paths that bind and step it directly
    /// (see `Statement.bind`), avoiding the per-call argument arrays of `run` and `query`.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        try cachedStatement(sql)
    }

    /// Runs one or more SQL statements that take no arguments (schema changes, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql, path: path)
        }
    }

    /// Runs one statement with `arguments` bound in order, discarding any rows.
    ///
    /// - Returns: the number of rows the statement changed.
    @discardableResult
    public func run(_ sql: String, _ arguments: any SQLBindable...) throws(SQLiteError) -> Int {
        try run(sql, arguments: arguments.map(\.sqlValue))
    }

    /// Runs one statement with `arguments` bound in order, discarding any rows.
    @discardableResult
    public func run(_ sql: String, arguments: [SQLValue]) throws(SQLiteError) -> Int {
        let statement = try cachedStatement(sql)
        try statement.reset(binding: arguments)
        while try statement.step() {}
        return Int(sqlite3_changes64(handle))
    }

    /// Runs one query and returns all its rows.
    public func query(_ sql: String, _ arguments: any SQLBindable...) throws(SQLiteError) -> [Row] {
        try query(sql, arguments: arguments.map(\.sqlValue))
    }

    /// Runs one query and returns all its rows.
    public func query(_ sql: String, arguments: [SQLValue]) throws(SQLiteError) -> [Row] {
        let statement = try cachedStatement(sql)
        try statement.reset(binding: arguments)
        let columns = statement.columnNames
        var rows: [Row] = []
        while try statement.step() {
            rows.append(statement.currentRow(columns: columns))
        }
        sqlite3_reset(statement.handle)
        return rows
    }

    /// The first column of the first row, or nil when the query returns no row.
    public func scalar(_ sql: String, _ arguments: any SQLBindable...) throws(SQLiteError) -> SQLValue? {
        try query(sql, arguments: arguments.map(\.sqlValue)).first?.values.first
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// How a transaction takes its locks.
    public enum TransactionKind: String, Sendable {
        /// Takes the write lock at the first write.
        case deferred = "DEFERRED"
        /// Takes the write lock at once, so that a busy database fails at the start, not midway.
        case immediate = "IMMEDIATE"
        /// Like immediate; in WAL mode the same as immediate.
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// Nested calls use savepoints, so an inner failure rolls back only the inner work
    /// when the outer body catches it.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        let outermost = transactionDepth == 0
        let savepoint = "vigil_sp_\(transactionDepth)"
        try execute(outermost ? "BEGIN \(kind.rawValue)" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            // COMMIT itself can fail (a full disk): the transaction is then rolled back below,
            // so that the connection is usable again once the cause is gone.
            try execute(outermost ? "COMMIT" : "RELEASE \(savepoint)")
            return result
        } catch {
            if outermost {
                if isInTransaction { try? execute("ROLLBACK") }
            } else {
                try? execute("ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            }
            throw error
        }
    }

    /// The schema version stored in `PRAGMA user_version`.
    public var userVersion: Int {
        get throws(SQLiteError) { try scalar("PRAGMA user_version")?.int ?? 0 }
    }

    func setUserVersion(_ version: Int) throws(SQLiteError) {
        try execute("PRAGMA user_version = \(version)")
    }

    /// How many prepared statements are cached.
    public var cachedStatementCount: Int { statementCache.count }

    private func cachedStatement(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = statementCache[sql] { return statement }
        let statement = try Statement(database: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// The connection's current error, with `sql` for context.
    func lastError(sql: String?, fallbackCode: Int32) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        let code = extended == SQLITE_OK ? fallbackCode : extended
        return SQLiteError(extendedCode: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }
}

@available(*, unavailable)
extension Database: Sendable {}
