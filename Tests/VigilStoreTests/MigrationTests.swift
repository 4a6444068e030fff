import Testing
import VigilTestSupport
@testable import VigilStore

struct MigrationTests {
    static let history = [
        Migration(version: 1, name: "create models", sql: "CREATE TABLE models (name TEXT PRIMARY KEY)"),
        Migration(version: 2, name: "add paused", sql: "ALTER TABLE models ADD COLUMN paused INTEGER NOT NULL DEFAULT 0"),
    ]

    @Test("a new database is migrated to the latest version in order")
    func migratesNewDatabase() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        #expect(try db.migrate(Self.history) == [1, 2])
        #expect(try db.userVersion == 2)
        try db.run("INSERT INTO models (name, paused) VALUES ('sepsis-risk', 1)")
    }

    @Test("migrating a current database applies nothing")
    func idempotent() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.migrate(Self.history)
        #expect(try db.migrate(Self.history) == [])
    }

    @Test("an older database gets only the migrations it lacks")
    func partialUpgrade() throws {
        let dir = try TemporaryDirectory()
        do {
            let db = try Database(path: dir.file("state.db"))
            try db.migrate(Array(Self.history.prefix(1)))
            try db.run("INSERT INTO models (name) VALUES ('readmission')")
        }
        let db = try Database(path: dir.file("state.db"))
        #expect(try db.migrate(Self.history) == [2])
        #expect(try db.scalar("SELECT paused FROM models WHERE name = 'readmission'")?.int == 0)
    }

    @Test("a failing migration is rolled back and leaves the version where it was")
    func failingMigrationRollsBack() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.migrate(Array(Self.history.prefix(1)))
        let broken = Self.history.prefix(1) + [
            Migration(version: 2, name: "half done") { db in
                try db.execute("CREATE TABLE checkpoints (file TEXT)")
                try db.execute("ALTER TABLE no_such_table ADD COLUMN x")
            },
        ]
        #expect(throws: SQLiteError.self) { try db.migrate(Array(broken)) }
        #expect(try db.userVersion == 1)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'checkpoints'")?.int == 0)
    }

    @Test("a database from a newer schema is refused with a clear message")
    func newerSchemaRefused() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        try db.execute("PRAGMA user_version = 9")
        let error = try #require(throws: MigrationError.self) { try db.migrate(Self.history) }
        #expect(error == .newerSchema(path: dir.file("state.db"), found: 9, supported: 2))
        #expect(error.description.contains("schema version 9, newer than the 2 this vigil supports"))
    }

    @Test("a history with a gap in its versions is rejected before anything runs")
    func invalidHistory() throws {
        let dir = try TemporaryDirectory()
        let db = try Database(path: dir.file("state.db"))
        let gap = [Self.history[0], Migration(version: 3, name: "skips two", sql: "SELECT 1")]
        #expect(throws: MigrationError.self) { try db.migrate(gap) }
        #expect(try db.userVersion == 0)
    }
}
