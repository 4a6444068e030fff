import CSystemd
import Foundation

/// Sends structured entries to journald, or, where there is no journal, readable lines to stderr.
///
/// Entries go through `sd_journal_sendv`. When that fails (no journald socket: a container,
/// a developer's machine without systemd) the entry is written to stderr instead as one line:
/// `2026-11-29T10:00:00Z warning drift detected model=sepsis-risk feature=lactate psi=0.31`.
public struct Journal: Sendable {
    /// Where entries go.
    public enum Target: String, Sendable, CaseIterable {
        /// The journal when it accepts entries, else stderr; entries are also echoed to
        /// stderr when stderr is a terminal, so a developer sees them.
        case automatic = "auto"
        /// The journal only (an entry the journal refuses still falls back to stderr: none is lost).
        case journal
        /// Readable lines on stderr only.
        case stderr
    }

    /// The `SYSLOG_IDENTIFIER` of every entry, e.g. "vigild".
    public let identifier: String
    public let target: Target
    private let echoToTerminal: Bool

    /// - Parameters:
    ///   - identifier: the program name journald files entries under.
    ///   - target: where entries go; `VIGIL_LOG_TARGET` (auto, journal, stderr) in the
    ///     environment chooses it when nil.
    public init(identifier: String, target: Target? = nil) {
        self.identifier = identifier
        let fromEnvironment = ProcessInfo.processInfo.environment["VIGIL_LOG_TARGET"].flatMap(Target.init(rawValue:))
        self.target = target ?? fromEnvironment ?? .automatic
        self.echoToTerminal = self.target == .automatic && isatty(STDERR_FILENO) == 1
    }

    /// Sends `entry`.
    ///
    /// - Returns: true when journald accepted it, false when it went to stderr only.
    @discardableResult
    public func send(_ entry: JournalEntry) -> Bool {
        var accepted = false
        if target != .stderr {
            accepted = sendToJournal(entry.journalFields(identifier: identifier)) >= 0
        }
        if !accepted || echoToTerminal {
            writeLine(Self.readableLine(for: entry))
        }
        return accepted
    }

    /// Builds and sends an entry; an invalid field name is itself reported, with the entry, on stderr.
    public func log(
        _ priority: JournalPriority,
        _ message: String,
        messageID: String? = nil,
        fields: KeyValuePairs<String, String> = [:],
        file: String = #fileID, line: UInt = #line, function: String = #function
    ) {
        log(priority, message, messageID: messageID, pairs: fields.map { ($0.key, $0.value) }, dropEmpty: false,
            file: file, line: line, function: function)
    }

    /// Builds and sends an entry from fields known only at run time; empty values are left out.
    public func log(
        _ priority: JournalPriority,
        _ message: String,
        messageID: String? = nil,
        fieldList: [(String, String)],
        file: String = #fileID, line: UInt = #line, function: String = #function
    ) {
        log(priority, message, messageID: messageID, pairs: fieldList, dropEmpty: true,
            file: file, line: line, function: function)
    }

    private func log(
        _ priority: JournalPriority, _ message: String, messageID: String?, pairs: [(String, String)], dropEmpty: Bool,
        file: String, line: UInt, function: String
    ) {
        do {
            var entry = try JournalEntry(priority, message, messageID: messageID, file: file, line: line, function: function)
            for (name, value) in pairs where !(dropEmpty && value.isEmpty) {
                entry.fields.append((try JournalFieldName(name), value))
            }
            send(entry)
        } catch {
            writeLine("\(Self.timestamp(Date())) \(priority.name) \(message) (not journaled: \(error))")
        }
    }

    /// Sends raw `NAME=value` pairs with `sd_journal_sendv`; returns its result (negative errno on failure).
    private func sendToJournal(_ fields: [(String, String)]) -> Int32 {
        let encoded: [[UInt8]] = fields.map { Array("\($0.0)=\($0.1)".utf8) }
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer { buffers.forEach { $0.deallocate() } }
        var vectors: [iovec] = []
        for bytes in encoded {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            buffers.append(buffer)
            vectors.append(iovec(iov_base: buffer.baseAddress, iov_len: bytes.count))
        }
        return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
    }

    private func writeLine(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// The one-line stderr form of `entry`: time, priority, message, then each `VIGIL_` field
    /// as lower-case `key=value` (quoted when it holds spaces, quotes or `=`).
    public static func readableLine(for entry: JournalEntry, at date: Date = Date()) -> String {
        var parts = [timestamp(date), entry.priority.name, entry.message]
        for (name, value) in entry.fields {
            let key = name.rawValue.hasPrefix("VIGIL_") ? String(name.rawValue.dropFirst(6)).lowercased() : name.rawValue.lowercased()
            parts.append("\(key)=\(quoted(value))")
        }
        return parts.joined(separator: " ")
    }

    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" || $0 == "\t" }
        guard needsQuotes else { return value }
        let escaped = value
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
        return "\"\(escaped)\""
    }

    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
