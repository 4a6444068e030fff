import Foundation
import Synchronization
import VigilStore
import VigilSystemd

/// Follows every configured model's logs and commits what it reads, on dedicated threads
/// (blocking file reads and SQLite stay off Swift's cooperative pool):
///
/// - the **reader** tails the logs and parses lines into batches, and hands a batch over, with
///   the checkpoints just past it, every 200 ms or 4,000 lines, whichever comes first, and as
///   soon as it has caught up with the logs (smaller batches keep the memory of parsed records
///   that wait for the committer low);
/// - the **committer** applies each batch and its checkpoints in one SQLite transaction, so a
///   crash at any moment loses nothing and repeats nothing; the two run on both cores at once;
/// - the **checkpointer** copies the WAL back into the database file, and truncates the WAL
///   when it has grown past `walLimit`.
///
/// A commit that fails (disk full, I/O error) is rolled back and reported once; batches read
/// after it are dropped, and the reader starts again from the last committed checkpoints,
/// retrying every second until commits succeed.
public final class IngestionEngine: Sendable {
    /// How often uncommitted lines are handed over for commit, at the latest.
    public static let commitInterval: Duration = .milliseconds(200)
    /// How many uncommitted lines force a hand-over (at most 10,000, as promised to users).
    public static let commitLines = 4_000
    /// The polling fallback's period.
    public static let pollInterval: Duration = .milliseconds(250)
    /// How often the checkpoint thread copies the WAL back into the database.
    public static let checkpointInterval: Duration = .milliseconds(500)
    /// How many handed-over batches may wait for the committer before the reader waits too.
    static let queueCapacity = 2
    /// The WAL size past which the checkpointer truncates it. Passive checkpoints copy the WAL
    /// back but never let it start over while commits follow each other without a pause, so
    /// during a long backlog it grew with everything ingested (9 GB in a 10-million-line run).
    /// Each truncation holds commits off for a moment (at 256 MiB, a 1,000,000-line backlog
    /// took 10% longer); at 1 GiB that backlog never reaches it.
    public static let defaultWALLimit: Int64 = 1 << 30
    /// How long a truncating checkpoint waits for readers and the committer's transaction,
    /// holding new commits off meanwhile; after that it gives up until its next turn.
    static let truncationWait: Int32 = 1_000

    private struct Control {
        var models: [ModelConfig]
        var modelsChanged = false
        var stopRequested = false
    }

    /// One hand-over: every model's batch and the checkpoints just past it.
    struct CommitUnit: @unchecked Sendable {
        struct Part {
            var settings: IngestionModelSettings
            var batch: IngestionBatch
            var predictions: (path: String, checkpoint: TailCheckpoint)
            var outcomes: (path: String, checkpoint: TailCheckpoint)
            var events: [TailEvent]
        }
        var generation: Int
        var parts: [Part]
    }

    /// The hand-over between reader and committer.
    private struct Pipeline {
        var queue: [CommitUnit] = []
        /// Bumped by the committer when a commit fails: units of older generations are dropped.
        var generation = 0
        var readerFinished = false
        /// A unit has left the queue and its commit has not finished yet.
        var committing = false
    }

    private let databasePath: String
    private let walLimit: Int64
    private let journal: Journal
    private let control: Mutex<Control>
    private let pipeline = Mutex(Pipeline())
    /// Signalled whenever `pipeline` changes.
    private let pipelineChanged = NSCondition()
    private let waiter = FileChangeWaiter()
    private let checkpointWaiter = WakePipe()
    private let threadsFinished = DispatchSemaphore(value: 0)
    private let heartbeat = Mutex<ContinuousClock.Instant>(ContinuousClock.now)

    /// Called on the committer's thread after each commit that closed a window or joined outcomes.
    private let afterCommit: (@Sendable (_ closedWindows: Int, _ joined: Int64) -> Void)?

    public init(
        databasePath: String, models: [ModelConfig], journal: Journal, walLimit: Int64 = defaultWALLimit,
        afterCommit: (@Sendable (_ closedWindows: Int, _ joined: Int64) -> Void)? = nil
    ) {
        self.databasePath = databasePath
        self.walLimit = walLimit
        self.journal = journal
        self.control = Mutex(Control(models: models))
        self.afterCommit = afterCommit
    }

    deinit {
        checkpointWaiter.close()
    }

    /// Starts the reader, committer and checkpoint threads.
    public func start() {
        for (name, body) in [("vigil-ingest-read", readUntilStopped), ("vigil-ingest-commit", commitUntilFinished),
                             ("vigil-checkpoint", checkpointUntilStopped)] as [(String, @Sendable () -> Void)] {
            let thread = Thread { [threadsFinished] in
                body()
                threadsFinished.signal()
            }
            thread.name = name
            thread.start()
        }
    }

    /// Asks the threads to commit what they have and stop, and waits until they have.
    public func stop() async {
        control.withLock { $0.stopRequested = true }
        waiter.wake()
        checkpointWaiter.wake()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                for _ in 0..<3 { self.threadsFinished.wait() }
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

    /// When the reader last went round its loop, for the watchdog (it waits for the committer
    /// when the committer falls behind, so a stuck commit stops it too).
    public var lastHeartbeat: ContinuousClock.Instant { heartbeat.withLock { $0 } }

    // MARK: The reader

    private func readUntilStopped() {
        var database: Database?
        var ingestors: [ModelIngestor] = []
        // Tailers are (re)built from the committed checkpoints: at start, after a reload, and
        // after a failed commit. Until the checkpoints can be read, nothing is read.
        var needsRebuild = true
        var generation = 0
        var firstUnhanded: ContinuousClock.Instant?
        var rebuildFailureReported = false
        /// The model whose logs are read first in the next round.
        var nextIngestor = 0

        while true {
            heartbeat.withLock { $0 = ContinuousClock.now }
            let (stop, changed, models) = control.withLock { state -> (Bool, Bool, [ModelConfig]) in
                defer { state.modelsChanged = false }
                return (state.stopRequested, state.modelsChanged, state.models)
            }
            if stop || changed {
                handOver(ingestors, generation: generation)
                firstUnhanded = nil
                if stop { break }
                needsRebuild = true
            }
            let current = pipeline.withLock { $0.generation }
            if current != generation {
                // A commit failed: what was read since is dropped and read again.
                generation = current
                ingestors = []
                needsRebuild = true
                firstUnhanded = nil
            }
            if needsRebuild {
                do {
                    // Rebuilt tailers start from the database: wait until it holds every hand-over.
                    waitUntilQueueIsEmpty()
                    if database == nil {
                        let opened = try Database(path: databasePath)
                        database = opened
                    }
                    ingestors = try rebuild(ingestors, for: models, reader: IngestionWriter(database: database!))
                    needsRebuild = false
                    rebuildFailureReported = false
                } catch {
                    if !rebuildFailureReported {
                        journal.log(.critical, "ingestion cannot read its checkpoints from the state database, retrying every second: \(error)",
                                    fields: ["VIGIL_DATABASE": databasePath])
                        rebuildFailureReported = true
                    }
                    waiter.wait(timeout: .seconds(1))
                    continue
                }
            }

            waiter.watch(foldersOf: ingestors.flatMap { [$0.predictions.path, $0.outcomes.path] })
            // Each model's logs get up to 1 MiB a round, but the round ends as soon as the lines
            // read reach a hand-over, and the next round starts with the model after the last one
            // read: with many models a hand-over stays near `commitLines` lines instead of 1 MiB
            // per model (10 models of 50-feature lines held about 14,000 parsed lines per
            // hand-over, three hand-overs at once).
            var read = 0
            var pendingLines = ingestors.reduce(0) { $0 + $1.batch.lineCount }
            for step in 0..<ingestors.count {
                let index = (nextIngestor + step) % ingestors.count
                let added = ingestors[index].poll(byteBudget: 1 << 20)
                read += added
                pendingLines += added
                if pendingLines >= Self.commitLines {
                    nextIngestor = index + 1
                    break
                }
            }
            let hasWork = pendingLines > 0 || ingestors.contains { !$0.events.isEmpty || $0.hasMovedSinceCommit }
            if hasWork, firstUnhanded == nil { firstUnhanded = .now }
            let due = firstUnhanded.map { ContinuousClock.now - $0 >= Self.commitInterval } ?? false
            // Caught up with every log: commit now rather than at the interval, so that the
            // line closing a window is evaluated (and alerted on) without waiting.
            let caughtUp = read == 0
            if hasWork, pendingLines >= Self.commitLines || due || caughtUp {
                handOver(ingestors, generation: generation)
                firstUnhanded = nil
            }
            if read == 0 {
                let untilDue = firstUnhanded.map { Self.commitInterval - (ContinuousClock.now - $0) } ?? Self.pollInterval
                waiter.wait(timeout: min(Self.pollInterval, max(untilDue, .milliseconds(1))))
            }
        }
        pipelineChanged.lock()
        pipeline.withLock { $0.readerFinished = true }
        pipelineChanged.broadcast()
        pipelineChanged.unlock()
    }

    /// Gives the committer every ingestor's batch and checkpoints, waiting while the queue is full.
    private func handOver(_ ingestors: [ModelIngestor], generation: Int) {
        guard ingestors.contains(where: { $0.batch.lineCount > 0 || !$0.events.isEmpty || $0.hasMovedSinceCommit }) else { return }
        // Whichever thread has time compresses the prediction lines: the reader while commits
        // wait in the queue (the committer is the slower one), the committer otherwise.
        let committerBehind = pipeline.withLock { !$0.queue.isEmpty }
        let parts = ingestors.map { ingestor in
            var batch = ingestor.batch
            if committerBehind { batch.compressPredictionLines() }
            return CommitUnit.Part(
                settings: ingestor.settings, batch: batch,
                predictions: (ingestor.predictions.path, ingestor.predictions.checkpoint),
                outcomes: (ingestor.outcomes.path, ingestor.outcomes.checkpoint),
                events: ingestor.events)
        }
        for ingestor in ingestors { ingestor.markCommitted() }
        pipelineChanged.lock()
        while pipeline.withLock({ $0.queue.count >= Self.queueCapacity && $0.generation == generation }) {
            pipelineChanged.wait()
        }
        pipeline.withLock { state in
            if state.generation == generation { state.queue.append(CommitUnit(generation: generation, parts: parts)) }
        }
        pipelineChanged.broadcast()
        pipelineChanged.unlock()
    }

    /// Waits until every unit handed over has been committed (or dropped).
    private func waitUntilQueueIsEmpty() {
        pipelineChanged.lock()
        while !pipeline.withLock({ $0.queue.isEmpty && !$0.committing }) { pipelineChanged.wait() }
        pipelineChanged.unlock()
    }

    /// The ingestors for `models`: those in `current` whose settings did not change keep their
    /// tailers (and open files); the others start from their committed checkpoints.
    private func rebuild(_ current: [ModelIngestor], for models: [ModelConfig], reader: IngestionWriter) throws -> [ModelIngestor] {
        let kept = Dictionary(current.map { ($0.config.name, $0) }, uniquingKeysWith: { first, _ in first })
        return try models.map { model in
            if let ingestor = kept[model.name], ingestor.config == model { return ingestor }
            return ModelIngestor(
                config: model,
                predictionsCheckpoint: try reader.loadCheckpoint(model: model.name, stream: .predictions, path: model.predictionsPath),
                outcomesCheckpoint: try reader.loadCheckpoint(model: model.name, stream: .outcomes, path: model.outcomesPath))
        }
    }

    // MARK: The committer

    private func commitUntilFinished() {
        var database: Database?
        var failureReported = false
        var bursts = QuarantineBursts(journal: journal)
        var failing = false
        while true {
            // Take the next unit, or finish once the reader has and the queue is empty.
            pipelineChanged.lock()
            var next: CommitUnit?
            var finishedReading = false
            while true {
                (next, finishedReading) = pipeline.withLock { state in
                    guard !state.queue.isEmpty else { return (nil, state.readerFinished) }
                    state.committing = true
                    return (state.queue.removeFirst(), false)
                }
                if next != nil || finishedReading { break }
                if !pipelineChanged.wait(until: Date().addingTimeInterval(1)) { break }
            }
            pipelineChanged.broadcast()
            pipelineChanged.unlock()
            bursts.closeQuietBursts()
            if finishedReading { break }
            guard let unit = next else { continue }
            defer { finishCommitting() }
            if unit.generation != pipeline.withLock({ $0.generation }) { continue }

            if database == nil {
                do {
                    let opened = try Database(path: databasePath)
                    // The WAL is copied back by the checkpoint thread, not by whichever commit crosses a threshold.
                    try opened.execute("PRAGMA wal_autocheckpoint = 0;")
                    database = opened
                } catch {
                    if !failureReported {
                        journal.log(.critical, "ingestion cannot open the state database, retrying every second: \(error)",
                                    fields: ["VIGIL_DATABASE": databasePath])
                        failureReported = true
                    }
                    dropQueuedUnits()
                    Thread.sleep(forTimeInterval: 1)
                    continue
                }
            }
            if let error = commit(unit, writer: IngestionWriter(database: database!), bursts: &bursts) {
                if !failing {
                    journal.log(.critical, "ingestion could not commit to the state database; checkpoints stay where they were, nothing is lost, retrying every second: \(error)",
                                fields: ["VIGIL_DATABASE": databasePath])
                    failing = true
                }
                dropQueuedUnits()
                waiter.wake()
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            if failing {
                journal.log(.notice, "ingestion commits succeed again", fields: ["VIGIL_DATABASE": databasePath])
                failing = false
            }
        }
        bursts.closeAll()
    }

    private func finishCommitting() {
        pipelineChanged.lock()
        pipeline.withLock { $0.committing = false }
        pipelineChanged.broadcast()
        pipelineChanged.unlock()
    }

    /// After a failed commit: everything read since is dropped, and the reader starts again
    /// from the last committed checkpoints.
    private func dropQueuedUnits() {
        pipelineChanged.lock()
        pipeline.withLock { state in
            state.queue.removeAll()
            state.generation += 1
        }
        pipelineChanged.broadcast()
        pipelineChanged.unlock()
    }

    /// Applies one unit and its checkpoints in one transaction; returns the error when it failed.
    private func commit(_ unit: CommitUnit, writer: IngestionWriter, bursts: inout QuarantineBursts) -> (any Error)? {
        let now = Date().timeIntervalSince1970
        do {
            let outcomes = try writer.database.transaction { () -> [IngestionWriter.Outcome] in
                try unit.parts.map { part in
                    let result = try writer.apply(part.batch, for: part.settings, now: now)
                    try writer.saveCheckpoint(part.predictions.checkpoint, model: part.settings.name,
                                              stream: .predictions, path: part.predictions.path)
                    try writer.saveCheckpoint(part.outcomes.checkpoint, model: part.settings.name,
                                              stream: .outcomes, path: part.outcomes.path)
                    return result
                }
            }
            for (part, result) in zip(unit.parts, outcomes) {
                journal(part.events, model: part.settings.name)
                bursts.record(result.quarantined, model: part.settings.name)
            }
            let closed = outcomes.reduce(0) { $0 + $1.closedWindows }
            let joined = outcomes.reduce(0) { $0 + $1.joined }
            if closed > 0 || joined > 0 { afterCommit?(closed, joined) }
            return nil
        } catch {
            return error
        }
    }

    // MARK: The checkpointer

    /// Copies committed WAL frames into the database file (a passive checkpoint: it never
    /// blocks the committer), so that the WAL stays small without ingestion paying for it; and
    /// past `walLimit`, truncates the WAL, which holds commits off for as long as that takes.
    private func checkpointUntilStopped() {
        var database: Database?
        // Reported once per run of failures (a full disk fails every attempt), and when it ends.
        var failing = false
        while !control.withLock({ $0.stopRequested }) {
            if database == nil {
                database = try? Database(path: databasePath, options: Database.Options(busyTimeoutMilliseconds: Self.truncationWait))
            }
            if let database {
                do {
                    _ = try database.query("PRAGMA wal_checkpoint(PASSIVE)")
                    var wal = stat()
                    if stat(databasePath + "-wal", &wal) == 0, Int64(wal.st_size) > walLimit {
                        // Busy (a reader or the committer held on past the wait): tried again next turn.
                        _ = try database.query("PRAGMA wal_checkpoint(TRUNCATE)")
                    }
                    if failing {
                        journal.log(.notice, "WAL checkpoints succeed again", fields: ["VIGIL_DATABASE": databasePath])
                        failing = false
                    }
                } catch {
                    if !failing {
                        journal.log(.warning, "WAL checkpoint failed, retrying: \(error)", fields: ["VIGIL_DATABASE": databasePath])
                        failing = true
                    }
                }
            }
            checkpointWaiter.wait(timeout: Self.checkpointInterval)
        }
        _ = try? database?.query("PRAGMA wal_checkpoint(PASSIVE)")
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
