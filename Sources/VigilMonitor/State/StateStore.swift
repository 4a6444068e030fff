import Dispatch
import VigilStore

/// Vigil's state database, owned by one serial queue so that blocking SQLite calls stay
/// off Swift's cooperative thread pool and the connection is only ever used by one thread.
public final class StateStore: @unchecked Sendable {
    // Invariant: `database` is read and written only on `queue`.
    private let queue = DispatchQueue(label: "vigil.state-store")
    private var database: Database?
    public let path: String

    private init(path: String) { self.path = path }

    /// Opens the database at `path` (creating it whole when missing) and brings its schema up to date.
    ///
    /// - Throws: `StateDatabaseFileError` (empty, truncated, missing beside its log), `SQLiteError`
    ///   (locked, not a database, I/O) or `MigrationError.newerSchema`.
    public static func open(path: String, migrations: [Migration] = StateSchema.migrations) async throws -> StateStore {
        let store = StateStore(path: path)
        try await store.onQueue {
            try StateDatabaseFile.check(path: path)
            // 16 KiB pages: the state holds large blobs (stored prediction lines), which then
            // take a quarter of the overflow pages.
            try StateDatabaseFile.createIfMissing(path: path, pageSize: 16_384, migrations: migrations)
            let database = try Database(path: path, options: .init(pageSize: 16_384))
            try database.migrate(migrations)
            store.database = database
        }
        return store
    }

    /// Runs `body` with the connection, on the store's queue.
    @discardableResult
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await onQueue {
            guard let database = self.database else { throw StateStoreError.closed(path: self.path) }
            return try body(database)
        }
    }

    /// Closes the connection; later calls to `perform` fail.
    public func close() async {
        try? await onQueue { self.database = nil }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

/// The store was used after `close()`.
public enum StateStoreError: Error, Sendable, CustomStringConvertible {
    case closed(path: String)

    public var description: String {
        switch self {
        case .closed(let path): "state database \(path) is closed"
        }
    }
}
