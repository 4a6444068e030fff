import Foundation
import Synchronization
import VigilStore
import VigilSystemd

/// Follows every configured model's logs on one dedicated thread (blocking file reads and
/// SQLite stay off Swift's cooperative pool) and commits what it reads.
///
/// Each commit is one SQLite transaction holding the lines' effects and the checkpoints after
/// them, at least every 200 ms or 10,000 lines, so a crash at any moment loses nothing and
/// repeats nothing. A commit that fails (disk full, I/O error) is rolled back, reported once,
/// and retried from the last committed checkpoints until it succeeds.
public final class IngestionEngine: Sendable {
    /// How often uncommitted lines are committed, at the latest.
    public static let commitInterval: Duration = .milliseconds(200)
    /// How many uncommitted lines force a commit.
    public static let commitLines = 10_000
    /// The polling fallback's period.
    public static let pollInterval: Duration = .milliseconds(250)

    private struct Control {
        var models: [ModelConfig]
        var modelsChanged = false
        var stopRequested = false
    }

    private let databasePath: String
    private let journal: Journal
    private let control: Mutex<Control>
    private let waiter = FileChangeWaiter()
    private let finished = DispatchSemaphore(value: 0)
    private let checkpointerFinished = DispatchSemaphore(value: 0)
    private let checkpointWaiter = FileChangeWaiter()
    private let heartbeat = Mutex<ContinuousClock.Instant>(ContinuousClock.now)

    public init(databasePath: String, models: [ModelConfig], journal: Journal) {
        self.databasePath = databasePath
        self.journal = journal
        self.control = Mutex(Control(models: models))
    }

    /// How often the checkpoint thread copies the WAL back into the database.
    public static let checkpointInterval: Duration = .milliseconds(500)

    /// Starts the ingestion thread and its checkpoint thread.
    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "vigil-ingestion"
        thread.start()
        let checkpointer = Thread { [self] in
            checkpointUntilStopped()
            checkpointerFinished.signal()
        }
        checkpointer.name = "vigil-checkpoint"
        checkpointer.start()
    }

    /// Copies committed WAL frames into the database file (a passive checkpoint: it never
    /// blocks the ingestion thread), so that the WAL stays small without ingestion paying for it.
    private func checkpointUntilStopped() {
        var database: Database?
        while !control.withLock({ $0.stopRequested }) {
            if database == nil { database = try? Database(path: databasePath) }
            if let database {
                do {
                    _ = try database.query("PRAGMA wal_checkpoint(PASSIVE)")
                } catch {
                    journal.log(.warning, "WAL checkpoint failed, retrying: \(error)", fields: ["VIGIL_DATABASE": databasePath])
                }
            }
            checkpointWaiter.wait(timeout: Self.checkpointInterval)
        }
        _ = try? database?.query("PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// Asks the thread to commit what it has and stop, and waits until it has.
    public func stop() async {
        control.withLock { $0.stopRequested = true }
        waiter.wake()
        checkpointWaiter.wake()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.finished.wait()
                self.checkpointerFinished.wait()
                continuation.resume()
            }
        }
    }

    /// Switches to a new list of models (after a reload): logs of models still configured keep their place.
    public func update(models: [ModelConfig]) {
        control.withLock {
            $0.models = models
            $0.modelsChanged = true
        }
        waiter.wake()
    }

    /// When the thread last went round its loop, for the watchdog.
    public var lastHeartbeat: ContinuousClock.Instant { heartbeat.withLock { $0 } }

    // MARK: The ingestion thread

    private func run() {
        var database: Database?
        var failureReported = false
        while database == nil {
            do {
                let opened = try Database(path: databasePath)
                // The WAL is copied back into the database by the checkpoint thread, on the
                // other core, instead of by whichever commit crosses the threshold.
                try opened.execute("PRAGMA wal_autocheckpoint = 0;")
                database = opened
            } catch {
                if !failureReported {
                    journal.log(.critical, "ingestion cannot open the state database, retrying every second: \(error)",
                                fields: ["VIGIL_DATABASE": databasePath])
                    failureReported = true
                }
                if control.withLock({ $0.stopRequested }) { return }
                waiter.wait(timeout: .seconds(1))
            }
        }
        guard let database else { return }
        let writer = IngestionWriter(database: database)
        var ingestors: [ModelIngestor] = []
        // Tailers are (re)built from the committed checkpoints: at start, after a reload, and
        // after a failed commit. Until the checkpoints can be read, nothing is read.
        var needsRebuild = true
        var bursts = QuarantineBursts(journal: journal)
        var firstUncommitted: ContinuousClock.Instant?
        var failing = false

        while true {
            heartbeat.withLock { $0 = ContinuousClock.now }
            let (stop, changed, models) = control.withLock { state -> (Bool, Bool, [ModelConfig]) in
                defer { state.modelsChanged = false }
                return (state.stopRequested, state.modelsChanged, state.models)
            }
            if stop || changed {
                if commit(ingestors, writer: writer, bursts: &bursts) == nil { firstUncommitted = nil }
                if stop { break }
                needsRebuild = true
            }
            if needsRebuild {
                do {
                    ingestors = try rebuild(ingestors, for: models, writer: writer)
                    needsRebuild = false
                } catch {
                    if !failing {
                        journal.log(.critical, "ingestion cannot read its checkpoints from the state database, retrying every second: \(error)",
                                    fields: ["VIGIL_DATABASE": databasePath])
                        failing = true
                    }
                    waiter.wait(timeout: .seconds(1))
                    continue
                }
            }

            waiter.watch(foldersOf: ingestors.flatMap { [$0.predictions.path, $0.outcomes.path] })
            var read = 0
            for ingestor in ingestors {
                read += ingestor.poll(byteBudget: 1 << 20)
            }
            let pendingLines = ingestors.reduce(0) { $0 + $1.batch.lineCount }
            let hasWork = pendingLines > 0 || ingestors.contains { !$0.events.isEmpty || $0.hasMovedSinceCommit }
            if hasWork, firstUncommitted == nil { firstUncommitted = .now }
            let due = firstUncommitted.map { ContinuousClock.now - $0 >= Self.commitInterval } ?? false
            if hasWork, pendingLines >= Self.commitLines || due {
                if let error = commit(ingestors, writer: writer, bursts: &bursts) {
                    if !failing {
                        journal.log(.critical, "ingestion could not commit to the state database; checkpoints stay where they were, nothing is lost, retrying every second: \(error)",
                                    fields: ["VIGIL_DATABASE": databasePath])
                        failing = true
                    }
                    // Start again from what the database holds; the lines will be read again.
                    ingestors = []
                    needsRebuild = true
                    firstUncommitted = nil
                    waiter.wait(timeout: .seconds(1))
                    continue
                }
                firstUncommitted = nil
                if failing {
                    journal.log(.notice, "ingestion commits succeed again", fields: ["VIGIL_DATABASE": databasePath])
                    failing = false
                }
            }
            bursts.closeQuietBursts()
            if read == 0 {
                let untilDue = firstUncommitted.map { Self.commitInterval - (ContinuousClock.now - $0) } ?? Self.pollInterval
                waiter.wait(timeout: min(Self.pollInterval, max(untilDue, .milliseconds(1))))
            }
        }
        bursts.closeAll()
    }

    /// The ingestors for `models`: those in `current` whose settings did not change keep their
    /// tailers (and open files); the others start from their committed checkpoints.
    private func rebuild(_ current: [ModelIngestor], for models: [ModelConfig], writer: IngestionWriter) throws -> [ModelIngestor] {
        let kept = Dictionary(current.map { ($0.config.name, $0) }, uniquingKeysWith: { first, _ in first })
        return try models.map { model in
            if let ingestor = kept[model.name], ingestor.config == model { return ingestor }
            return ModelIngestor(
                config: model,
                predictionsCheckpoint: try writer.loadCheckpoint(model: model.name, stream: .predictions, path: model.predictionsPath),
                outcomesCheckpoint: try writer.loadCheckpoint(model: model.name, stream: .outcomes, path: model.outcomesPath))
        }
    }

    /// Commits every ingestor's batch and checkpoints in one transaction; returns the error when it failed.
    private func commit(_ ingestors: [ModelIngestor], writer: IngestionWriter, bursts: inout QuarantineBursts) -> (any Error)? {
        let now = Date().timeIntervalSince1970
        do {
            let outcomes = try writer.database.transaction { () -> [(ModelIngestor, IngestionWriter.Outcome)] in
                var results: [(ModelIngestor, IngestionWriter.Outcome)] = []
                for ingestor in ingestors {
                    let result = try writer.apply(ingestor.batch, for: ingestor.settings, now: now)
                    try writer.saveCheckpoint(ingestor.predictions.checkpoint, model: ingestor.config.name,
                                              stream: .predictions, path: ingestor.predictions.path)
                    try writer.saveCheckpoint(ingestor.outcomes.checkpoint, model: ingestor.config.name,
                                              stream: .outcomes, path: ingestor.outcomes.path)
                    results.append((ingestor, result))
                }
                return results
            }
            for (ingestor, result) in outcomes {
                journal(ingestor.events, model: ingestor.config.name)
                bursts.record(result.quarantined, model: ingestor.config.name)
                ingestor.markCommitted()
            }
            return nil
        } catch {
            return error
        }
    }

    private func journal(_ events: [TailEvent], model: String) {
        for event in events {
            switch event {
            case let .opened(path, offset):
                journal.log(.info, offset == 0 ? "reading \(path) from its start" : "resuming \(path) at byte \(offset)",
                            fields: ["VIGIL_MODEL": model, "VIGIL_FILE": path, "VIGIL_OFFSET": String(offset)])
            case let .rotated(path, lines):
                journal.log(.notice, "\(path) was rotated; the old file was read to its end (\(lines) lines)",
                            messageID: IngestionEvent.rotated.messageID,
                            fields: ["VIGIL_MODEL": model, "VIGIL_FILE": path, "VIGIL_LINES": String(lines)])
            case let .truncated(path, offset):
                journal.log(.warning, "\(path) was truncated in place (copytruncate?) at byte \(offset); reading again from its start. Lines written between the copy and the truncation may be lost: prefer logrotate's create",
                            messageID: IngestionEvent.truncated.messageID,
                            fields: ["VIGIL_MODEL": model, "VIGIL_FILE": path, "VIGIL_OFFSET": String(offset)])
            case let .replaced(path):
                journal.log(.notice, "\(path) was replaced while vigild was stopped; reading the new file from its start",
                            messageID: IngestionEvent.replaced.messageID,
                            fields: ["VIGIL_MODEL": model, "VIGIL_FILE": path])
            case let .recoveredRotated(path, lines):
                journal.log(.notice, "read \(path), rotated away before vigild got to it (\(lines) lines)",
                            messageID: IngestionEvent.rotated.messageID,
                            fields: ["VIGIL_MODEL": model, "VIGIL_FILE": path, "VIGIL_LINES": String(lines)])
            }
        }
    }
}

/// The journal entries of ingestion, with their catalog ids.
public enum IngestionEvent: String, Sendable, CaseIterable {
    case rotated = "9c0b6f3de4a34e8a8e0b1b8f3c2d7a51"
    case truncated = "2a7e5d9c1b3f4e6a8d0c2b4f6e8a1c3d"
    case replaced = "5f1e3d7c9b2a4c6e8f0a1b3d5c7e9f2b"
    case quarantineBurst = "7d3c1b9e5f2a4d6c8b0e2f4a6c8e1d3b"

    public var messageID: String { rawValue }
}

/// Journals the first quarantined line of a burst at once and the burst's count when it ends
/// (ten seconds without another), instead of one entry per bad line.
struct QuarantineBursts {
    let journal: Journal
    static let quietPeriod: Duration = .seconds(10)
    private var open: [String: (count: Int, last: ContinuousClock.Instant)] = [:]

    init(journal: Journal) { self.journal = journal }

    mutating func record(_ lines: [QuarantinedLine], model: String) {
        guard let first = lines.first else { return }
        if var burst = open[model] {
            burst.count += lines.count
            burst.last = .now
            open[model] = burst
            return
        }
        journal.log(.warning, "quarantined line \(first.line) of \(first.path): \(first.reason.detail)",
                    messageID: IngestionEvent.quarantineBurst.messageID,
                    fields: ["VIGIL_MODEL": model, "VIGIL_FILE": first.path, "VIGIL_LINE": String(first.line),
                             "VIGIL_REASON": first.reason.code.rawValue, "VIGIL_COUNT": String(lines.count)])
        open[model] = (lines.count, .now)
    }

    mutating func closeQuietBursts() {
        for (model, burst) in open where ContinuousClock.now - burst.last >= Self.quietPeriod {
            close(model, burst.count)
        }
    }

    mutating func closeAll() {
        for (model, burst) in open { close(model, burst.count) }
    }

    private mutating func close(_ model: String, _ count: Int) {
        open[model] = nil
        guard count > 1 else { return }
        journal.log(.warning, "\(count) lines quarantined in this burst; see `vigil quarantine \(model)`",
                    messageID: IngestionEvent.quarantineBurst.messageID,
                    fields: ["VIGIL_MODEL": model, "VIGIL_COUNT": String(count)])
    }
}
