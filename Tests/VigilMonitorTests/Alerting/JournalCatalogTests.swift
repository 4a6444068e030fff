import Foundation
import Testing
import VigilTestSupport
@testable import VigilMonitor

/// `systemd/vigil.catalog` against the MESSAGE_IDs in the code and against journalctl itself.
struct JournalCatalogTests {
    /// One `-- MESSAGE_ID` entry: its header fields and its body.
    struct Entry {
        var id: String
        var headers: [String: String] = [:]
        var body: [String] = []
    }

    static let catalogPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("systemd/vigil.catalog").path

    /// Every MESSAGE_ID vigild journals, by the enum case that names it.
    static let codeIDs: [(name: String, id: String)] =
        DaemonEvent.allCases.map { ("DaemonEvent.\($0)", $0.messageID) }
        + IngestionEvent.allCases.map { ("IngestionEvent.\($0)", $0.messageID) }
        + ControlEvent.allCases.map { ("ControlEvent.\($0)", $0.messageID) }
        + MonitorEvent.allCases.map { ("MonitorEvent.\($0)", $0.messageID) }
        + LifecycleEvent.allCases.map { ("LifecycleEvent.\($0)", $0.messageID) }

    /// Reads the catalog the way systemd does: `#` lines are comments, an entry starts at
    /// `-- ID`, its headers run to the first blank line and its body to the next entry.
    static func parse(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        var inHeaders = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("-- ") {
                entries.append(Entry(id: String(line.dropFirst(3))))
                inHeaders = true
                continue
            }
            guard !entries.isEmpty else { continue }
            if inHeaders {
                if line.isEmpty { inHeaders = false; continue }
                let parts = line.split(separator: ":", maxSplits: 1)
                entries[entries.count - 1].headers[String(parts[0])] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            } else {
                entries[entries.count - 1].body.append(line)
            }
        }
        return entries
    }

    func entries() throws -> [Entry] {
        Self.parse(try String(contentsOfFile: Self.catalogPath, encoding: .utf8))
    }

    @Test("every MESSAGE_ID in the code has exactly one catalog entry, and the catalog has no other")
    func oneEntryPerID() throws {
        let entries = try entries()
        #expect(Set(Self.codeIDs.map(\.id)).count == Self.codeIDs.count, "two enum cases share a MESSAGE_ID")
        for (name, id) in Self.codeIDs {
            let count = entries.filter { $0.id == id }.count
            #expect(count == 1, "\(name) (\(id)) has \(count) catalog entries")
        }
        let unknown = Set(entries.map(\.id)).subtracting(Self.codeIDs.map(\.id))
        #expect(unknown.isEmpty, "catalog entries for ids the code does not use: \(unknown.sorted())")
    }

    @Test("each entry has a subject, Defined-By: vigil, a support link and a body")
    func entryShape() throws {
        for entry in try entries() {
            #expect(entry.id.range(of: "^[0-9a-f]{32}$", options: .regularExpression) != nil, "bad id \(entry.id)")
            #expect(!(entry.headers["Subject"] ?? "").isEmpty, "\(entry.id) has no Subject")
            #expect(entry.headers["Defined-By"] == "vigil", "\(entry.id)")
            #expect(entry.headers["Support"]?.hasPrefix("https://") == true, "\(entry.id) has no Support link")
            #expect(entry.body.joined().count > 100, "\(entry.id) has almost no body")
        }
    }

    @Test("alert entries explain the fields their journal entries carry", arguments: [
        (MonitorEvent.driftFiring, ["VIGIL_MODEL", "VIGIL_VERSION", "VIGIL_RULE", "VIGIL_SUBGROUP", "VIGIL_FEATURE", "VIGIL_VALUE",
                                    "VIGIL_THRESHOLD", "VIGIL_WINDOW_START", "VIGIL_WINDOW_END", "vigil pause"]),
        (MonitorEvent.resolved, ["VIGIL_MODEL", "VIGIL_VERSION", "VIGIL_RULE", "VIGIL_SUBGROUP", "VIGIL_FEATURE", "VIGIL_VALUE",
                                 "VIGIL_THRESHOLD", "VIGIL_WINDOW_START", "VIGIL_WINDOW_END"]),
        (MonitorEvent.alertmanagerUnreachable, ["VIGIL_URL", "VIGIL_ERROR", "VIGIL_ALERTS"]),
        (MonitorEvent.alertCommandFailed, ["VIGIL_COMMAND", "VIGIL_FAILURE", "VIGIL_EXIT_STATUS", "VIGIL_STDERR", "VIGIL_STDOUT",
                                           "VIGIL_DROPPED", "VIGIL_MODEL", "VIGIL_RULE", "VIGIL_ALERT_STATUS"]),
    ])
    func alertFields(event: MonitorEvent, mentioned: [String]) throws {
        let entry = try #require(try entries().first { $0.id == event.messageID })
        let body = entry.body.joined(separator: " ")
        for field in mentioned {
            #expect(body.contains(field), "the \(event) entry does not mention \(field)")
        }
    }

    /// The fields `Lifecycle.record` puts on every life-cycle entry.
    static let transitionFields = ["VIGIL_MODEL", "VIGIL_VERSION", "VIGIL_EVENT", "VIGIL_ACTOR", "VIGIL_REASON",
                                   "VIGIL_FROM_STATE", "VIGIL_TO_STATE"]

    /// What each life-cycle entry must mention: the fields its journal entry carries (`Lifecycle.record`,
    /// or `repairServing` for serving_repaired) and what on-call is told to run or look at.
    static let lifecycleMentions: [(LifecycleEvent, [String])] = [
        (.registered, transitionFields + ["serving.json", "vigil history"]),
        (.retrainStarted, transitionFields + ["retrain.on", "vigil retrain", "retrain.budget"]),
        (.retrainFailed, transitionFields + ["VigilRetrainFailed", "vigil history", "retraining/RUN"]),
        (.rejected, transitionFields + ["vigil reject", "vigil history", "--json"]),
        (.staged, transitionFields + ["gates.margin", "gates.subgroup_margin", "gates.max_ece", "gates.min_sensitivity",
                                      "staging.shadow_outcomes"]),
        (.awaitingApproval, transitionFields + ["VigilApprovalNeeded", "vigil approve", "vigil reject", "promotion: manual"]),
        (.promoted, transitionFields + ["serving.json", "probation.outcomes", "probation.margin", "previous"]),
        (.rolledBack, transitionFields + ["VIGIL_PRODUCTION_VERSION", "VigilRolledBack", "vigil rollback", "serving.json"]),
        (.paused, transitionFields + ["serving.json", "standard care", "vigil resume"]),
        (.resumed, transitionFields + ["serving.json", "active"]),
        (.servingRepaired, ["VIGIL_MODEL", "VIGIL_VERSION", "VIGIL_EVENT", "VIGIL_SERVING_FILE", "registry"]),
    ]

    @Test("life-cycle entries explain the fields their journal entries carry and what to do", arguments: lifecycleMentions)
    func lifecycleFields(event: LifecycleEvent, mentioned: [String]) throws {
        let entry = try #require(try entries().first { $0.id == event.messageID })
        let body = entry.body.joined(separator: " ")
        for field in mentioned {
            #expect(body.contains(field), "the \(event) entry does not mention \(field)")
        }
        #expect(body.contains(event.rawValue), "the \(event) entry does not give its VIGIL_EVENT value \(event.rawValue)")
    }

    @Test("every life-cycle event has its entry's fields checked")
    func lifecycleMentionsCoverEveryEvent() {
        let checked = Self.lifecycleMentions.map(\.0)
        #expect(Set(checked) == Set(LifecycleEvent.allCases) && checked.count == LifecycleEvent.allCases.count, "\(checked)")
    }

    @Test("journalctl --update-catalog compiles the catalog and lists every entry",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/journalctl"), "journalctl is not installed (apt-get install systemd)"))
    func journalctlAcceptsIt() throws {
        let root = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: root.file("usr/lib/systemd/catalog"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.catalogPath, toPath: root.file("usr/lib/systemd/catalog/vigil.catalog"))

        let update = try ProgramRun("/usr/bin/journalctl", ["--root", root.path, "--update-catalog"])
        #expect(update.status == 0, "journalctl --update-catalog exited \(update.status): \(update.standardError)")
        #expect(update.standardError.isEmpty, "\(update.standardError)")
        #expect(FileManager.default.fileExists(atPath: root.file("var/lib/systemd/catalog/database")))

        let list = try ProgramRun("/usr/bin/journalctl", ["--root", root.path, "--list-catalog"])
        #expect(list.status == 0, "\(list.standardError)")
        let listed = Set(list.standardOutput.split(separator: "\n").map(String.init))
        for entry in try entries() {
            let line = "\(entry.id) vigil: \(entry.headers["Subject"] ?? "")"
            #expect(listed.contains(line), "journalctl --list-catalog does not list \(line)")
        }
        #expect(listed.count == Self.codeIDs.count, "\(listed.sorted())")
    }
}
