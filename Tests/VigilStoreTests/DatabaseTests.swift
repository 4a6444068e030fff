import Foundation
import Testing
import VigilTestSupport
@testable import VigilStore

struct DatabaseTests {
    @Test("a new database is opened in WAL mode with foreign keys and NORMAL synchronous")
    func connectionSettings() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        #expect(try db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try db.scalar("PRAGMA foreign_keys")?.int == 1)
        #expect(try db.scalar("PRAGMA synchronous")?.int == 1) // NORMAL
    }

    @Test("a WAL that starts over is cut back to 64 MiB, whichever connection starts it over")
    func walCutBackOnRestart() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("wal.db")
        func walSize() -> Int64 {
            var info = stat()
            return stat(path + "-wal", &info) == 0 ? Int64(info.st_size) : 0
        }
        let writer = try Database(path: path)
        try writer.execute("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (b BLOB)")
        // 80 MiB in one transaction: the WAL grows past the limit.
        try writer.transaction {
            for _ in 0..<80 { try writer.run("INSERT INTO t VALUES (zeroblob(1048576))") }
        }
        #expect(walSize() > Database.Options.walSizeAfterRestart)
        // Everything copied back, the next commit (another connection's) starts the WAL over and cuts it back.
        let other = try Database(path: path)
        _ = try other.query("PRAGMA wal_checkpoint(PASSIVE)")
        try other.run("INSERT INTO t VALUES (1)")
        #expect(walSize() <= Database.Options.walSizeAfterRestart, "the WAL is \(walSize()) bytes")
    }

    @Test("a page size applies to a new database only")
    func pageSize() throws {
        let dir = try TemporaryDirectory()
        do {
            let db = try Database(path: dir.file("state.db"), options: .init(pageSize: 16_384))
            try db.execute("CREATE TABLE t (x)")
            #expect(try db.scalar("PRAGMA page_size")?.int == 16_384)
        }
        let reopened = try Database(path: dir.file("state.db"), options: .init(pageSize: 8_192))
        #expect(try reopened.scalar("PRAGMA page_size")?.int == 16_384)
        let other = try Database(path: dir.file("other.db"))
        try other.execute("CREATE TABLE t (x)")
        #expect(try other.scalar("PRAGMA page_size")?.int == 4_096)
    }

    @Test("values of every type round-trip through bound parameters")
    func valuesRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", 42, 0.25, "lactate ≥ 2", [UInt8]([0, 1, 255]), SQLValue.null)
        let row = try #require(try db.query("SELECT * FROM t").first)
        #expect(row["i"] == .integer(42))
        #expect(row["r"] == .real(0.25))
        #expect(row["s"] == .text("lactate ≥ 2"))
        #expect(row["b"] == .blob([0, 1, 255]))
        #expect(row["n"] == .null)
    }

    @Test("prepared statements are cached by their SQL and reused")
    func statementCache() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE t (x INTEGER)")
        let before = db.cachedStatementCount
        for value in 0..<100 { try db.run("INSERT INTO t (x) VALUES (?)", value) }
        #expect(db.cachedStatementCount == before + 1)
        #expect(try db.scalar("SELECT sum(x) FROM t")?.int == 4950)
    }

    @Test("a transaction commits when its body returns")
    func transactionCommits() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            try db.run("INSERT INTO t VALUES (2)")
        }
        #expect(!db.isInTransaction)
        #expect(try db.scalar("SELECT count(*) FROM t")?.int == 2)
    }

    struct Abort: Error {}

    @Test("a transaction rolls back everything when its body throws")
    func transactionRollsBack() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.run("INSERT INTO t VALUES (0)")
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.query("SELECT x FROM t").map { $0[0] } == [.integer(0)])
    }

    @Test("a nested transaction that throws rolls back only its own work")
    func nestedRollback() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            _ = try? db.transaction {
                try db.run("INSERT INTO t VALUES (2)")
                throw Abort()
            }
            try db.run("INSERT INTO t VALUES (3)")
        }
        #expect(try db.query("SELECT x FROM t ORDER BY x").map { $0[0] } == [.integer(1), .integer(3)])
    }

    @Test("a COMMIT that fails rolls the transaction back and leaves the connection usable for the next one")
    func failedCommit() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        // A deferred foreign key is checked at COMMIT, which then fails like a full disk's would.
        try db.execute("""
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            """)
        #expect(throws: SQLiteError.self) {
            try db.transaction { try db.run("INSERT INTO child VALUES (7)") }
        }
        #expect(!db.isInTransaction)
        #expect(try db.scalar("SELECT count(*) FROM child")?.int == 0)
        try db.transaction {
            try db.run("INSERT INTO parent VALUES (7)")
            try db.run("INSERT INTO child VALUES (7)")
        }
        #expect(try db.scalar("SELECT count(*) FROM child")?.int == 1)
        #expect(!db.isInTransaction)
    }

    @Test("a constraint violation carries SQLite's extended code, message and SQL, but not the arguments")
    func constraintError() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE patients (id TEXT PRIMARY KEY)")
        try db.run("INSERT INTO patients VALUES (?)", "enc-88321")
        let error = try #require(throws: SQLiteError.self) {
            try db.run("INSERT INTO patients VALUES (?)", "enc-88321")
        }
        #expect(error.kind == .constraint)
        #expect(error.extendedCode == 1555) // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error.message.contains("UNIQUE constraint failed"))
        #expect(error.sql == "INSERT INTO patients VALUES (?)")
        #expect(!error.description.contains("enc-88321"))
        // The connection stays usable after the failure.
        try db.run("INSERT INTO patients VALUES (?)", "enc-2")
        #expect(try db.scalar("SELECT count(*) FROM patients")?.int == 2)
    }

    @Test("a syntax error is reported with SQLITE_ERROR and the statement")
    func syntaxError() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        let error = try #require(throws: SQLiteError.self) { try db.query("SELEKT 1") }
        #expect(error.kind == .error)
        #expect(error.message.contains("syntax error"))
        #expect(error.sql == "SELEKT 1")
    }

    @Test("the wrong number of arguments is an error, not a silent NULL")
    func argumentCount() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("CREATE TABLE t (a, b)")
        let error = try #require(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (?, ?)", 1) }
        #expect(error.message == "expected 2 arguments, got 1")
    }

    @Test("a write blocked by another connection's lock fails with SQLITE_BUSY after the busy timeout")
    func busyError() throws {
        let dir = try TemporaryDirectory()
        let holder = try Database(path: dir.file("state.db"))
        try holder.execute("CREATE TABLE t (x INTEGER)")
        try holder.execute("BEGIN IMMEDIATE")
        try holder.run("INSERT INTO t VALUES (1)")
        let other = try Database(path: dir.file("state.db"), options: .init(busyTimeoutMilliseconds: 50))
        let error = try #require(throws: SQLiteError.self) { try other.run("INSERT INTO t VALUES (2)") }
        #expect(error.kind == .busy)
        try holder.execute("COMMIT")
        try other.run("INSERT INTO t VALUES (2)")
        #expect(try other.scalar("SELECT count(*) FROM t")?.int == 2)
    }

    @Test("a file that is not a database is refused with SQLITE_NOTADB")
    func notADatabase() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("garbage.db")
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: SQLiteError.self) { try Database(path: path) }
        #expect(error.kind == .notADatabase)
        #expect(error.path == path)
    }

    @Test("opening a missing file read-only fails with SQLITE_CANTOPEN")
    func cannotOpen() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(throws: SQLiteError.self) {
            try Database(path: dir.file("missing.db"), options: .init(readOnly: true))
        }
        #expect(error.kind == .cannotOpen)
    }
}
