import Foundation
import Synchronization
import VigilSystemd

/// Drives the life cycle on its own thread: starts retraining children for requested runs and
/// judges what they produce, scores staged candidates in shadow and compares them once enough
/// outcomes are in, and ends probation (or rolls back). It also turns monitoring's alerts into
/// retraining requests and probation rollbacks.
///
/// It wakes when an alert fires, a child ends or a transition is requested, and at least every second.
public final class LifecycleEngine: Sendable {
    private struct Control {
        var models: [ModelConfig]
        var alerts: [Alert] = []
        var stopRequested = false
    }

    let lifecycle: Lifecycle
    private let databasePath: String
    private let stateDirectory: String
    private let journal: Journal
    private let control: Mutex<Control>
    private let waker = WakePipe()
    private let finished = DispatchSemaphore(value: 0)

    static let tickInterval: Duration = .seconds(1)

    public init(lifecycle: Lifecycle, databasePath: String, stateDirectory: String, models: [ModelConfig], journal: Journal) {
        self.lifecycle = lifecycle
        self.databasePath = databasePath
        self.stateDirectory = stateDirectory
        self.journal = journal
        control = Mutex(Control(models: models))
    }

    deinit { waker.close() }

    public func start() {
        let thread = Thread { [self] in
            var loop = LifecycleLoop(lifecycle: lifecycle, databasePath: databasePath, stateDirectory: stateDirectory,
                                     journal: journal, wake: { [waker] in waker.wake() })
            while true {
                let (models, alerts, stopping) = control.withLock { control in
                    defer { control.alerts = [] }
                    return (control.models, control.alerts, control.stopRequested)
                }
                if stopping {
                    loop.stop(models: models)
                    break
                }
                loop.tick(models: models, alerts: alerts)
                waker.wait(timeout: Self.tickInterval)
            }
            finished.signal()
        }
        thread.name = "vigil-lifecycle"
        thread.start()
    }

    /// Stops the thread; a retraining under way is killed and recorded as failed.
    public func stop() async {
        control.withLock { $0.stopRequested = true }
        waker.wake()
        await finished.waitWithoutBlocking()
    }

    public func update(models: [ModelConfig]) {
        control.withLock { $0.models = models }
        waker.wake()
    }

    /// Monitoring's alert transitions: firing alerts of a rule in `retrain.on` request a
    /// retraining; a performance alert during probation rolls back.
    public func alertsChanged(_ alerts: [Alert]) {
        let firing = alerts.filter { $0.status == .firing && AlertRule.monitoring.contains($0.key.rule) }
        guard !firing.isEmpty else { return }
        control.withLock { $0.alerts += firing }
        waker.wake()
    }

    /// Looks for work at once (a retraining was requested).
    public func wake() { waker.wake() }
}
