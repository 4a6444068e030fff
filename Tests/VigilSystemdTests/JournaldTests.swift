import Foundation
import Testing
import VigilTestSupport
@testable import VigilSystemd

/// Sends entries to the real journald and reads them back with `journalctl`.
///
/// `deploy/dev.sh test` starts `systemd-journald` when none is running; run the tests through it.
struct JournaldTests {
    @Test("an entry sent to journald is read back by journalctl with every field intact")
    func roundTrip() async throws {
        let testID = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let journal = Journal(identifier: "vigil-tests", target: .journal)
        let entry = try JournalEntry(
            .warning, "drift detected on lactate",
            messageID: "4f1c3c0a8e6b4d7e9a2b5c6d7e8f9a01",
            fields: [
                "VIGIL_TEST_ID": testID,
                "VIGIL_MODEL": "sepsis-risk",
                "VIGIL_FEATURE": "lactate",
                "VIGIL_PSI": "0.31",
                "VIGIL_NOTE": "two lines\nand ünïcode",
            ],
            file: "JournaldTests.swift", line: 42, function: "roundTrip()")
        #expect(journal.send(entry), "journald refused the entry: is systemd-journald running? (deploy/dev.sh test starts it)")

        let record = try await Self.readBack(field: "VIGIL_TEST_ID", value: testID)
        #expect(record["MESSAGE"] == "drift detected on lactate")
        #expect(record["PRIORITY"] == "4")
        #expect(record["MESSAGE_ID"] == "4f1c3c0a8e6b4d7e9a2b5c6d7e8f9a01")
        #expect(record["SYSLOG_IDENTIFIER"] == "vigil-tests")
        #expect(record["CODE_FILE"] == "JournaldTests.swift")
        #expect(record["CODE_LINE"] == "42")
        #expect(record["CODE_FUNC"] == "roundTrip()")
        #expect(record["VIGIL_MODEL"] == "sepsis-risk")
        #expect(record["VIGIL_FEATURE"] == "lactate")
        #expect(record["VIGIL_PSI"] == "0.31")
        #expect(record["VIGIL_NOTE"] == "two lines\nand ünïcode")
        #expect(record["_PID"] == String(getpid()))
    }

    @Test("every priority arrives with its syslog number")
    func priorities() async throws {
        let testID = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let journal = Journal(identifier: "vigil-tests", target: .journal)
        for priority in JournalPriority.allCases {
            journal.log(priority, "priority \(priority.name)", fields: ["VIGIL_TEST_ID": testID])
        }
        let records = try await Self.readAll(field: "VIGIL_TEST_ID", value: testID, expecting: JournalPriority.allCases.count)
        #expect(Set(records.compactMap { $0["PRIORITY"] }) == Set((0...7).map(String.init)))
    }

    /// Polls `journalctl -o json FIELD=value` until the entry shows up (journald writes asynchronously).
    static func readBack(field: String, value: String) async throws -> [String: String] {
        try #require(try await readAll(field: field, value: value, expecting: 1).first)
    }

    static func readAll(field: String, value: String, expecting count: Int) async throws -> [[String: String]] {
        let records = try await JournalReader.waitForEntries(matching: ["\(field)=\(value)"], count: count)
        if records.count < count {
            Issue.record("journalctl returned \(records.count) of \(count) entries with \(field)=\(value) after 10 s")
        }
        return records
    }
}
