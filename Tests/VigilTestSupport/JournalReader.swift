import Foundation

/// Reads entries back from the real journal with `journalctl -o json`.
public enum JournalReader {
    /// The entries matching every `FIELD=value` in `matches`, oldest first.
    public static func entries(matching matches: [String]) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/journalctl")
        process.arguments = ["-o", "json", "--no-pager"] + matches
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try String(decoding: data, as: UTF8.self)
            .split(separator: "\n")
            .map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                return object.compactMapValues { value in
                    if let text = value as? String { return text }
                    // journalctl prints fields that are not plain text as arrays of bytes.
                    if let bytes = value as? [Int] { return String(decoding: bytes.map { UInt8($0) }, as: UTF8.self) }
                    return nil
                }
            }
    }

    /// Polls until at least `count` entries match (journald writes asynchronously), for at most
    /// `timeout`; returns what matched by then.
    public static func waitForEntries(matching matches: [String], count: Int, timeout: Duration = .seconds(10)) async throws -> [[String: String]] {
        let deadline = ContinuousClock.now + timeout
        var records: [[String: String]] = []
        while ContinuousClock.now < deadline {
            records = try entries(matching: matches)
            if records.count >= count { return records }
            try await Task.sleep(for: .milliseconds(100))
        }
        return records
    }
}
