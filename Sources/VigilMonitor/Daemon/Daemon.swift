import VigilStats
import Foundation
import Synchronization
import VigilStore
import VigilSystemd

/// The running daemon: its configuration, state directory and store, and the loop that
/// answers signals (SIGHUP reloads, SIGTERM/SIGINT stop) and feeds the systemd watchdog.
///
/// Later features (ingestion, evaluation, control) run as tasks beside this loop.
public actor Daemon {
    public let configPath: String
    public private(set) var config: Config
    private let stateDirectory: StateDirectory
    private let store: StateStore
    private let journal: Journal
    private let notifier: Notifier
    private let runID: Int64
    private let ingestion: IngestionEngine
    private let monitor: MonitorEngine
    private let control: ControlServer
    /// The registry and every life-cycle transition; and the thread that drives retraining,
    /// shadow scoring and probation.
    private let lifecycle: Lifecycle
    private let lifecycleEngine: LifecycleEngine
    /// SIGTERM, SIGINT and SIGHUP, caught from the start of `start`.
    private let signals: SignalEvents
    /// The last monitoring summary, for `STATUS=` after a reload.
    private let monitorStatus = LatestStatus()
    /// Alertmanager, the alert command and the metrics file, as configured.
    private let alertOutputs: AlertOutputs

    /// How long the ingestion thread may go without a turn of its loop before the watchdog
    /// stops being fed (and systemd restarts the daemon).
    static let ingestionStallLimit: Duration = .seconds(20)

    private init(configPath: String, config: Config, stateDirectory: StateDirectory, store: StateStore,
                 control: ControlServer, lifecycle: Lifecycle, journal: Journal, notifier: Notifier, runID: Int64, signals: SignalEvents) {
        self.signals = signals
        self.control = control
        self.lifecycle = lifecycle
        self.configPath = configPath
        self.config = config
        self.stateDirectory = stateDirectory
        self.store = store
        self.journal = journal
        self.notifier = notifier
        self.runID = runID
        let alertOutputs = AlertOutputs(journal: journal)
        self.alertOutputs = alertOutputs
        let models = Self.effective(config.models, lifecycle: lifecycle)
        let lifecycleEngine = LifecycleEngine(lifecycle: lifecycle, databasePath: stateDirectory.databasePath,
                                              stateDirectory: stateDirectory.path, models: models, journal: journal)
        self.lifecycleEngine = lifecycleEngine
        var outputs = MonitorEngine.Outputs()
        outputs.alerts = { alerts in
            alertOutputs.send(alerts)
            lifecycleEngine.alertsChanged(alerts)
        }
        outputs.snapshot = { snapshot in alertOutputs.publish(snapshot) }
        outputs.status = { [monitorStatus] line in
            monitorStatus.line.withLock { $0 = line }
            notifier.status(line)
        }
        let monitor = MonitorEngine(databasePath: stateDirectory.databasePath, models: models, journal: journal, outputs: outputs)
        self.monitor = monitor
        self.ingestion = IngestionEngine(
            databasePath: stateDirectory.databasePath, models: models, journal: journal,
            afterCommit: { _, _ in monitor.wake() })
    }

    /// Loads the configuration, takes the state directory, opens and migrates the store,
    /// and records this run.
    ///
    /// - Throws: `StartupFailure` with the line and exit code to show the user.
    public static func start(configPath: String, journal: Journal, notifier: Notifier) async throws(StartupFailure) -> Daemon {
        // Taken first: a SIGTERM while vigild starts is queued for `run`, which then stops
        // cleanly, instead of ending the process by the signal's default action.
        let signals = SignalEvents()
        do {
            let config = try ConfigLoader().load(path: configPath)
            let directory = try StateDirectory(path: config.stateDirectory)
            let store = try await StateStore.open(path: directory.databasePath)
            let now = Self.timestamp()
            let pid = Int(getpid())
            let (runID, unclean) = try await store.perform { db in
                try db.transaction {
                    let unclean = try db.query("SELECT pid, started_at FROM daemon_runs WHERE stopped_at IS NULL ORDER BY id")
                    try db.run("UPDATE daemon_runs SET stopped_at = 'unclean' WHERE stopped_at IS NULL")
                    try db.run("INSERT INTO daemon_runs (started_at, pid, version, config_path) VALUES (?, ?, ?, ?)",
                               now, pid, VigilVersion.current, configPath)
                    let runID = db.lastInsertedRowID
                    for model in config.models {
                        try db.run("INSERT OR IGNORE INTO models (name, first_configured_at) VALUES (?, ?)", model.name, now)
                    }
                    return (runID, unclean.map { ($0["pid"].int ?? 0, $0["started_at"].string ?? "?") })
                }
            }
            let lifecycle = try Lifecycle(databasePath: directory.databasePath, stateDirectory: directory.path, journal: journal)
            try lifecycle.reconcile(models: config.models)
            let control: ControlServer
            do {
                control = try ControlServer(config: config, journal: journal)
            } catch {
                switch error {
                case .inUse: throw StartupFailure(exitCode: StartupFailure.tryAgain, lines: [error.description])
                case .insecureDirectory: throw StartupFailure(exitCode: StartupFailure.noPermission, lines: [error.description])
                default: throw StartupFailure(exitCode: StartupFailure.cannotCreate, lines: [error.description])
                }
            }
            for (pid, startedAt) in unclean {
                journal.log(.warning, "previous vigild run (pid \(pid), started \(startedAt)) ended without a clean stop",
                            messageID: DaemonEvent.uncleanShutdown.messageID,
                            fields: ["VIGIL_PREVIOUS_PID": String(pid), "VIGIL_STATE_DIR": directory.path])
            }
            let daemon = Daemon(configPath: configPath, config: config, stateDirectory: directory, store: store,
                                control: control, lifecycle: lifecycle, journal: journal, notifier: notifier, runID: runID,
                                signals: signals)
            var notifications = Lifecycle.Notifications()
            notifications.alerts = { [alertOutputs = daemon.alertOutputs] alerts in alertOutputs.send(alerts) }
            notifications.productionChanged = { [weak daemon] in
                Task { await daemon?.refreshProduction() }
            }
            lifecycle.connect(notifications)
            return daemon
        } catch {
            throw StartupFailure(error)
        }
    }

    /// Runs until SIGTERM or SIGINT, then stops cleanly: `STOPPING=1`, the run recorded, the store closed.
    public func run() async {
        let modelNames = config.models.map(\.name).joined(separator: ",")
        journal.log(.notice, "vigild \(VigilVersion.current) started, watching \(config.models.count) model(s)",
                    messageID: DaemonEvent.started.messageID,
                    fields: ["VIGIL_VERSION": VigilVersion.current, "VIGIL_CONFIG": configPath,
                             "VIGIL_STATE_DIR": config.stateDirectory, "VIGIL_MODELS": modelNames])
        await alertOutputs.configure(config, firing: firingAlerts())
        ingestion.start()
        monitor.start()
        lifecycleEngine.start()
        do {
            try control.start(databasePath: stateDirectory.databasePath, lifecycle: lifecycle, lifecycleEngine: lifecycleEngine) { [self] in
                // Called on the control thread: run the reload on this actor and wait for it.
                let outcome = Mutex<ReloadOutcome>(.rejected(["the reload did not finish"]))
                let done = DispatchSemaphore(value: 0)
                Task {
                    let result = await self.reload()
                    outcome.withLock { $0 = result }
                    done.signal()
                }
                done.wait()
                return outcome.withLock { $0 }
            }
        } catch {
            journal.log(.critical, "the control socket cannot serve: \(error)", fields: ["VIGIL_SOCKET": control.path])
        }
        notifier.ready(status: statusLine())

        let watchdog = notifier.watchdogInterval.map { interval in
            Task { [notifier, ingestion, journal] in
                var stalled = false
                while !Task.isCancelled {
                    // Feed the watchdog only while ingestion is alive: a stuck thread should get us restarted.
                    if ContinuousClock.now - ingestion.lastHeartbeat < Self.ingestionStallLimit {
                        notifier.watchdogPing()
                        stalled = false
                    } else if !stalled {
                        journal.log(.critical, "ingestion has not made progress for \(Self.ingestionStallLimit); no longer feeding the watchdog")
                        stalled = true
                    }
                    try? await Task.sleep(for: interval)
                }
            }
        }

        var stopSignal: Int32 = SIGTERM
        for await event in signals.stream {
            if case .terminate(let number) = event {
                stopSignal = number
                break
            }
            await reload()
        }

        notifier.stopping()
        watchdog?.cancel()
        await control.stop()
        await lifecycleEngine.stop()
        await ingestion.stop()
        await monitor.stop()
        await alertOutputs.stop()
        let finished = Self.timestamp()
        let runID = self.runID
        do {
            try await store.perform { db in
                try db.run("UPDATE daemon_runs SET stopped_at = ? WHERE id = ?", finished, runID)
            }
        } catch {
            journal.log(.error, "could not record the stop in the state database: \(error)")
        }
        await store.close()
        journal.log(.notice, "vigild stopped on \(stopSignal == SIGINT ? "SIGINT" : "SIGTERM")",
                    messageID: DaemonEvent.stopped.messageID, fields: ["VIGIL_SIGNAL": String(stopSignal)])
    }

    /// Re-reads the configuration file: a valid one is applied, an invalid one is reported
    /// and the running configuration kept.
    @discardableResult
    func reload() async -> ReloadOutcome {
        notifier.reloading()
        defer { notifier.ready(status: statusLine()) }
        let loaded: Config
        do {
            loaded = try ConfigLoader().load(path: configPath)
        } catch {
            let failure = StartupFailure(error)
            journal.log(.error, "configuration reload failed, keeping the running configuration: \(failure.lines.joined(separator: "; "))",
                        messageID: DaemonEvent.reloadFailed.messageID,
                        fields: ["VIGIL_CONFIG": configPath, "VIGIL_PROBLEMS": String(failure.lines.count)])
            return .rejected(failure.lines)
        }
        var applied = loaded
        var restartNeeded: [String] = []
        if loaded.stateDirectory != config.stateDirectory {
            restartNeeded.append("state_dir")
            applied.stateDirectory = config.stateDirectory
        }
        if loaded.controlSocket != config.controlSocket {
            restartNeeded.append("control_socket")
            applied.controlSocket = config.controlSocket
        }
        let added = Set(applied.models.map(\.name)).subtracting(config.models.map(\.name))
        let removed = Set(config.models.map(\.name)).subtracting(applied.models.map(\.name))
        config = applied
        refreshProduction()
        await alertOutputs.configure(applied, firing: firingAlerts())
        control.update(config: applied)
        let now = Self.timestamp()
        let names = applied.models.map(\.name)
        do {
            try await store.perform { db in
                for name in names {
                    try db.run("INSERT OR IGNORE INTO models (name, first_configured_at) VALUES (?, ?)", name, now)
                }
            }
        } catch {
            journal.log(.error, "could not record the reloaded models in the state database: \(error)")
        }
        var message = "configuration reloaded: \(applied.models.count) model(s)"
        if !added.isEmpty { message += ", added \(added.sorted().joined(separator: ","))" }
        if !removed.isEmpty { message += ", removed \(removed.sorted().joined(separator: ","))" }
        journal.log(.notice, message, messageID: DaemonEvent.reloaded.messageID,
                    fields: ["VIGIL_CONFIG": configPath, "VIGIL_MODELS": names.joined(separator: ",")])
        if !restartNeeded.isEmpty {
            journal.log(.warning, "\(restartNeeded.joined(separator: " and ")) changed; the change takes effect only after a restart",
                        fields: ["VIGIL_CONFIG": configPath])
        }
        return .applied(message)
    }

    /// Gives ingestion, monitoring and the life cycle the configured models with their production
    /// versions: after a reload, and after a promotion, rollback or registration.
    func refreshProduction() {
        let models = Self.effective(config.models, lifecycle: lifecycle)
        ingestion.update(models: models)
        monitor.update(models: models)
        lifecycleEngine.update(models: models)
    }

    /// `models` with their production versions: features, reference and validation AUROC from it where the file sets none.
    static func effective(_ models: [ModelConfig], lifecycle: Lifecycle) -> [ModelConfig] {
        let production = lifecycle.productionVersions(of: models.map(\.name))
        return models.map { model in
            var model = model
            model.production = production[model.name]
            return model.effective
        }
    }

    /// The alerts firing now, from the state database (to keep them alive in a new Alertmanager sender).
    private func firingAlerts() async -> [Alert] {
        do {
            return try await store.perform { db in try EvaluationStore(database: db).firingAlerts() }
        } catch {
            journal.log(.error, "could not read the firing alerts from the state database: \(error)")
            return []
        }
    }

    private func statusLine() -> String {
        monitorStatus.line.withLock { $0 } ?? "Watching \(config.models.count) model(s): \(config.models.map(\.name).joined(separator: ", "))"
    }

    static func timestamp() -> String {
        RFC3339Timestamp.string(from: Date(), fractionalSeconds: false)
    }
}

/// The monitor's latest one-line summary, shared between its thread and the daemon.
final class LatestStatus: Sendable {
    let line = Mutex<String?>(nil)
}
