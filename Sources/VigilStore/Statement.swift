import CSQLite

/// A prepared SQLite statement; it owns its `sqlite3_stmt` and finalizes it when released.
///
/// Statements belong to the `Database` that prepared them and share its single owner.
public final class Statement {
    /// The SQL text this statement was prepared from.
    public let sql: String
    let handle: OpaquePointer
    private unowned let database: Database

    init(database: Database, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw database.lastError(sql: sql, fallbackCode: code)
        }
        self.sql = sql
        self.handle = statement
        self.database = database
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// The names of the result columns.
    public var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    /// Resets the statement and binds `arguments` to its parameters, in order.
    func reset(binding arguments: [SQLValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == expected else {
            throw SQLiteError(
                extendedCode: SQLITE_RANGE,
                message: "expected \(expected) arguments, got \(arguments.count)",
                sql: sql, path: database.path)
        }
        for (offset, value) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .text(let v): code = sqlite3_bind_text(handle, index, v, -1, vigil_sqlite_transient())
            case .blob(let v):
                code = v.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(handle, index, raw.baseAddress, sqlite3_uint64(raw.count), vigil_sqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw database.lastError(sql: sql, fallbackCode: code) }
        }
    }

    // MARK: Direct use, for hot paths

    /// Binds an integer to the 1-based parameter `index`.
    public func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds an integer, or NULL for nil, to the 1-based parameter `index`.
    public func bind(_ value: Int64?, at index: Int32) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds a double to the 1-based parameter `index`.
    public func bind(_ value: Double, at index: Int32) {
        sqlite3_bind_double(handle, index, value)
    }

    /// Binds text (or NULL for nil) to the 1-based parameter `index`; SQLite copies it.
    public func bind(_ value: String?, at index: Int32) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bytes in
            // An empty string still needs a non-null pointer, or SQLite binds NULL.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            _ = sqlite3_bind_text64(handle, index, pointer, sqlite3_uint64(bytes.count), vigil_sqlite_transient(), UInt8(SQLITE_UTF8))
        }
    }

    /// Binds bytes as a blob to the 1-based parameter `index`; SQLite copies them.
    public func bind(_ bytes: [UInt8], at index: Int32) {
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(raw.count), vigil_sqlite_transient())
        }
    }

    /// Runs the statement with `bytes` bound as a blob to parameter `index` without copying
    /// them (a large blob is otherwise copied once more before SQLite writes it), then unbinds
    /// them; returns the rows it changed.
    @discardableResult
    public func execute(bindingWithoutCopy bytes: [UInt8], at index: Int32) throws(SQLiteError) -> Int {
        defer { sqlite3_bind_null(handle, index) }
        let result = bytes.withUnsafeBytes { raw in
            // SQLITE_STATIC (nil): SQLite uses the bytes in place while the statement runs.
            sqlite3_bind_blob64(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(raw.count), nil)
            return Result { () throws(SQLiteError) in try execute() }
        }
        return try result.get()
    }

    /// Runs the statement to completion after binding; returns the rows it changed.
    @discardableResult
    public func execute() throws(SQLiteError) -> Int {
        defer { sqlite3_reset(handle) }
        while try step() {}
        return Int(sqlite3_changes64(database.handle))
    }

    /// Steps to the first row after binding and reads it with `body`, or returns nil when there is none.
    public func firstRow<T>(_ body: (Statement) -> T) throws(SQLiteError) -> T? {
        defer { sqlite3_reset(handle) }
        guard try step() else { return nil }
        return body(self)
    }

    /// Steps through every row after binding, calling `body` on each, then resets.
    public func forEachRow(_ body: (Statement) -> Void) throws(SQLiteError) {
        defer { sqlite3_reset(handle) }
        while try step() { body(self) }
    }

    /// Column `index` of the current row as a double (SQLite converts integers).
    public func double(at index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// Column `index` of the current row as an integer.
    public func int64(at index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` of the current row as text, nil when NULL.
    public func string(at index: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        return String(cString: text)
    }

    /// Advances to the next row; returns false when the statement is done.
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.lastError(sql: sql, fallbackCode: code)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// The value of column `index` in the current row.
    func value(at index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(handle, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let base = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
        default: return .null
        }
    }

    /// The current row as a `Row`.
    func currentRow(columns: [String]) -> Row {
        Row(columns: columns, values: (0..<Int32(columns.count)).map { value(at: $0) })
    }
}

@available(*, unavailable)
extension Statement: Sendable {}

/// One result row: values by position or by column name.
public struct Row: Sendable, Equatable {
    public let columns: [String]
    public let values: [SQLValue]

    /// The value at `index`.
    public subscript(index: Int) -> SQLValue { values[index] }

    /// The value of the column named `name`, or `.null` when there is no such column.
    public subscript(name: String) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }
}
