import Foundation

/// The fields of a SQLite database file's 100-byte header that tell how long the file should be.
///
/// SQLite reads missing bytes at the end of a file as zeros, so a database cut short at a page
/// boundary, or in its last page, can open without an error. The header's page count exposes it.
public struct SQLiteFileHeader: Sendable, Equatable {
    /// Bytes per page (512 to 65536).
    public let pageSize: Int
    /// The database size in pages, as the last committed write recorded it.
    public let pageCount: Int
    /// Whether `pageCount` is valid: SQLite trusts it only when it is non-zero and the change
    /// counter equals the version-valid-for number (files written by very old SQLite do not keep it).
    public let pageCountIsValid: Bool

    /// The file size the header promises, when its page count is valid.
    public var expectedFileSize: Int? { pageCountIsValid ? pageSize * pageCount : nil }

    /// Reads the header of the file at `path`; nil when the file is shorter than a header or
    /// does not start with SQLite's magic string (SQLite itself then reports it as not a database).
    public static func read(path: String) -> SQLiteFileHeader? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 100), data.count == 100 else { return nil }
        return SQLiteFileHeader(bytes: [UInt8](data))
    }

    /// Parses a 100-byte header.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 100, bytes.starts(with: Array("SQLite format 3\0".utf8)) else { return nil }
        func bigEndian(_ offset: Int, _ count: Int) -> Int {
            bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | Int($1) }
        }
        let rawPageSize = bigEndian(16, 2)
        pageSize = rawPageSize == 1 ? 65_536 : rawPageSize
        pageCount = bigEndian(28, 4)
        let changeCounter = bigEndian(24, 4)
        let versionValidFor = bigEndian(92, 4)
        pageCountIsValid = pageCount > 0 && changeCounter == versionValidFor && pageSize >= 512
    }
}
