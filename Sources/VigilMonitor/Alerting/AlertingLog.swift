import VigilSystemd

/// Where the alerting components' journal entries go: the daemon's `Journal`, or a test's recorder,
/// so that what on-call would read can be checked without a journald.
struct AlertingLog: Sendable {
    let send: @Sendable (JournalEntry) -> Void

    init(_ send: @escaping @Sendable (JournalEntry) -> Void) {
        self.send = send
    }

    init(journal: Journal) {
        self.send = { journal.send($0) }
    }

    /// Sends one entry; fields with empty values are left out.
    func callAsFunction(
        _ priority: JournalPriority, _ message: String, event: MonitorEvent?, fields: [(String, String)],
        file: String = #fileID, line: UInt = #line, function: String = #function
    ) {
        // The message id comes from the enum and the names below are literals, so neither can fail
        // the entry's checks; a bad field name would only lose that field.
        guard var entry = try? JournalEntry(priority, message, messageID: event?.messageID,
                                            file: file, line: line, function: function) else { return }
        for (name, value) in fields where !value.isEmpty {
            if let name = try? JournalFieldName(name) { entry.fields.append((name, value)) }
        }
        send(entry)
    }
}
