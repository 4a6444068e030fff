import VigilStats
import Foundation
import VigilStore

/// What `vigil quarantine MODEL` shows: the lines set aside, newest first, with where and why.
public struct QuarantineReport: Codable, Sendable {
    public struct Line: Codable, Sendable {
        public var stream: String
        public var path: String
        public var offset: Int64
        public var line: Int64
        public var reason: String
        public var detail: String
        /// The line's first bytes, as text (invalid UTF-8 replaced).
        public var excerpt: String
        public var quarantinedAt: String

        enum CodingKeys: String, CodingKey {
            case stream, path, offset, line, reason, detail, excerpt
            case quarantinedAt = "quarantined_at"
        }
    }

    public var model: String
    public var total: Int64
    /// Counts by reason code.
    public var reasons: [String: Int64]
    public var lines: [Line]

    /// Reads up to `limit` of `model`'s quarantined lines, newest first, read-only.
    public static func read(databasePath path: String, model: String, limit: Int) throws -> QuarantineReport {
        let database = try Database(path: path, options: .init(readOnly: true))
        guard try database.userVersion >= 2 else { return QuarantineReport(model: model, total: 0, reasons: [:], lines: []) }
        var reasons: [String: Int64] = [:]
        for row in try database.query("SELECT reason, count(*) AS n FROM quarantine WHERE model = ? GROUP BY reason", model) {
            if let reason = row["reason"].string { reasons[reason] = row["n"].int64 ?? 0 }
        }
        let lines = try database.query(
            "SELECT * FROM quarantine WHERE model = ? ORDER BY seq DESC LIMIT ?", model, limit
        ).map { row in
            Line(stream: row["stream"].string ?? "", path: row["path"].string ?? "",
                 offset: row["byte_offset"].int64 ?? 0, line: row["line"].int64 ?? 0,
                 reason: row["reason"].string ?? "", detail: row["detail"].string ?? "",
                 excerpt: String(decoding: row["excerpt"].bytes ?? [], as: UTF8.self),
                 quarantinedAt: RFC3339Timestamp.string(fromUnixSeconds: row["quarantined_at"].double ?? 0))
        }
        return QuarantineReport(model: model, total: reasons.values.reduce(0, +), reasons: reasons, lines: lines)
    }
}
