import Foundation
import VigilStore

/// The state database file before SQLite opens it: refused when it is damaged in ways SQLite
/// would not notice, and created whole, so that vigild never starts from empty state by accident.
///
/// A new database is built at `<path>.new`, migrated, closed and renamed into place. A file at
/// the path is therefore never legitimately empty: an empty one means the state was lost.
enum StateDatabaseFile {
    /// Refuses a database that is empty, shorter than its header says, or missing beside its
    /// own write-ahead log. Other damage (not SQLite, corrupt pages) SQLite reports on open.
    static func check(path: String) throws(StateDatabaseFileError) {
        let wal = path + "-wal"
        guard let size = fileSize(path) else {
            if let walSize = fileSize(wal), walSize > 0 { throw .missingBesideLog(path: path) }
            return
        }
        guard size > 0 else { throw .empty(path: path) }
        // With a non-empty log, the main file may legitimately lag behind (a checkpoint in
        // progress); SQLite replays the log over it. Without one, the header is the truth.
        guard (fileSize(wal) ?? 0) == 0, let header = SQLiteFileHeader.read(path: path),
              let expected = header.expectedFileSize else { return }
        if Int64(expected) > size { throw .truncated(path: path, size: size, expected: Int64(expected)) }
    }

    /// Creates the database at `path` with `migrations` applied, through a temporary file
    /// renamed into place once complete. Does nothing when the file exists.
    static func createIfMissing(path: String, pageSize: Int, migrations: [Migration]) throws {
        guard fileSize(path) == nil else { return }
        let temporary = path + ".new"
        for leftover in [temporary, temporary + "-wal", temporary + "-shm", temporary + "-journal"] {
            unlink(leftover)
        }
        do {
            let database = try Database(path: temporary, options: .init(pageSize: pageSize))
            try database.migrate(migrations)
            // Closing the last connection checkpoints the log into the file and removes it.
        }
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 { fsync(descriptor); close(descriptor) }
        guard rename(temporary, path) == 0 else {
            throw StateDatabaseFileError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 { fsync(directory); close(directory) }
    }

    private static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}

/// Why the state database file is refused before it is opened.
public enum StateDatabaseFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty(path: String)
    case truncated(path: String, size: Int64, expected: Int64)
    case missingBesideLog(path: String)
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .empty(let path):
            "database \(path) is empty (0 bytes), so its state was lost (vigild never leaves an empty database); restore a backup, or move it aside to start with no state"
        case let .truncated(path, size, expected):
            "database \(path) is truncated: \(size) bytes where its header records \(expected); restore a backup, or move it aside to start with no state"
        case .missingBesideLog(let path):
            "database \(path) is missing but its write-ahead log \(path)-wal is not; restore the database, or move the log aside to start with no state"
        case let .cannotCreate(path, reason):
            "database \(path) cannot be created: \(reason)"
        }
    }
}
