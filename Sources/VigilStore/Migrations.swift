/// One step of a database's schema history, identified by the `user_version` it leads to.
public struct Migration: Sendable {
    /// The schema version after this migration; versions start at 1 and go up by one.
    public let version: Int
    /// A short name for logs, e.g. "create checkpoints".
    public let name: String
    /// The work, run inside the migration's transaction.
    public let apply: @Sendable (Database) throws -> Void

    public init(version: Int, name: String, apply: @escaping @Sendable (Database) throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }

    /// A migration made of SQL statements alone.
    public init(version: Int, name: String, sql: String) {
        self.init(version: version, name: name) { try $0.execute(sql) }
    }
}

/// Why a database's schema could not be brought up to date.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database was written by a newer Vigil: its schema version is above what this build knows.
    case newerSchema(path: String, found: Int, supported: Int)
    /// The migrations given are not numbered 1, 2, 3, ...
    case invalidHistory(String)

    public var description: String {
        switch self {
        case let .newerSchema(path, found, supported):
            return "database \(path) has schema version \(found), newer than the \(supported) this vigil supports; upgrade vigil or restore a matching backup"
        case let .invalidHistory(reason):
            return "invalid migration list: \(reason)"
        }
    }
}

extension Database {
    /// Brings the schema up to the last of `migrations`, each in its own transaction.
    ///
    /// A migration that throws is rolled back and leaves `user_version` where it was.
    /// - Returns: the versions applied, in order (empty when already current).
    /// - Throws: `MigrationError.newerSchema` for a database from a newer schema, or the failing migration's error.
    @discardableResult
    public func migrate(_ migrations: [Migration]) throws -> [Int] {
        for (offset, migration) in migrations.enumerated() where migration.version != offset + 1 {
            throw MigrationError.invalidHistory("migration \"\(migration.name)\" has version \(migration.version), expected \(offset + 1)")
        }
        let latest = migrations.last?.version ?? 0
        let current = try userVersion
        guard current <= latest else {
            throw MigrationError.newerSchema(path: path, found: current, supported: latest)
        }
        var applied: [Int] = []
        for migration in migrations where migration.version > current {
            try transaction(.immediate) {
                try migration.apply(self)
                try setUserVersion(migration.version)
            }
            applied.append(migration.version)
        }
        return applied
    }
}
