import Foundation
import Synchronization
import VigilSystemd
@testable import VigilMonitor

/// Keeps the journal entries an alerting component sends, so a test can read what on-call would.
final class JournalRecorder: Sendable {
    private let entries = Mutex<[JournalEntry]>([])

    var log: AlertingLog {
        AlertingLog { [self] entry in self.entries.withLock { $0.append(entry) } }
    }

    var all: [JournalEntry] { entries.withLock { $0 } }

    func entries(with event: MonitorEvent) -> [JournalEntry] {
        all.filter { $0.messageID == event.messageID }
    }

    /// Waits until some entry satisfies `condition`, at most `timeout`; returns it, or nil.
    func waitFor(timeout: Duration = .seconds(15), _ condition: (JournalEntry) -> Bool) async throws -> JournalEntry? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all.first(where: condition) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return all.first(where: condition)
    }
}

extension JournalEntry {
    /// The value of the field `name`, if the entry has it.
    func field(_ name: String) -> String? {
        fields.first { $0.name.rawValue == name }?.value
    }
}

