import Foundation
import Testing
@testable import VigilSystemd

struct JournalEntryTests {
    @Test("field names journald accepts are accepted", arguments: ["VIGIL_MODEL", "VIGIL_PSI_10", "A", "X9_"])
    func validFieldNames(name: String) throws {
        #expect(try JournalFieldName(name).rawValue == name)
    }

    @Test("field names journald would reject are refused",
          arguments: ["", "vigil_model", "_PID", "9LIVES", "VIGIL-MODEL", "VIGIL MODEL", "VIGİL", String(repeating: "A", count: 65)])
    func invalidFieldNames(name: String) {
        #expect(throws: JournalError.invalidFieldName(name)) { try JournalFieldName(name) }
    }

    @Test("an entry with an invalid field name or message id is refused")
    func invalidEntry() {
        #expect(throws: JournalError.invalidFieldName("model")) {
            try JournalEntry(.info, "x", fields: ["model": "sepsis"])
        }
        #expect(throws: JournalError.invalidMessageID("not-hex")) {
            try JournalEntry(.info, "x", messageID: "not-hex")
        }
    }

    @Test("the readable stderr line has time, priority, message and lower-cased VIGIL fields")
    func readableLine() throws {
        let entry = try JournalEntry(.warning, "drift", fields: [
            "VIGIL_MODEL": "sepsis", "VIGIL_FEATURE": "lactate", "VIGIL_PSI": "0.31", "VIGIL_NOTE": "two words",
        ])
        let line = Journal.readableLine(for: entry, at: Date(timeIntervalSince1970: 1_795_946_400))
        #expect(line == #"2026-11-29T10:00:00Z warning drift model=sepsis feature=lactate psi=0.31 note="two words""#)
    }

    @Test("values with quotes and newlines stay on one readable line")
    func readableLineEscapes() throws {
        let entry = try JournalEntry(.error, "bad line", fields: ["VIGIL_TEXT": "a \"b\"\nc"])
        let line = Journal.readableLine(for: entry, at: Date(timeIntervalSince1970: 0))
        #expect(line == #"1970-01-01T00:00:00Z err bad line text="a \"b\"\nc""#)
    }

    @Test("journal fields carry MESSAGE, PRIORITY, identifier, code location and the entry's fields")
    func journalFields() throws {
        let entry = try JournalEntry(.notice, "hello", messageID: "0123456789abcdef0123456789abcdef",
                                     fields: ["VIGIL_MODEL": "m"], file: "F.swift", line: 7, function: "f()")
        let fields = Dictionary(uniqueKeysWithValues: entry.journalFields(identifier: "vigild"))
        #expect(fields == [
            "MESSAGE": "hello", "PRIORITY": "5", "SYSLOG_IDENTIFIER": "vigild", "CODE_FILE": "F.swift",
            "CODE_LINE": "7", "CODE_FUNC": "f()", "MESSAGE_ID": "0123456789abcdef0123456789abcdef", "VIGIL_MODEL": "m",
        ])
    }
}
