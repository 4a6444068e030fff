import Foundation
import Synchronization
import VigilStore
import VigilSystemd

/// Evaluates every model on its own thread: each window ingestion closes, performance again
/// when enough late outcomes have arrived, and the feed's silence; updates each alert's state
/// machine in the same transaction as the evaluation, then tells the journal and the alert
/// outputs about every transition.
///
/// It wakes when ingestion commits a closed window or joined outcomes, and at least every second.
public final class MonitorEngine: Sendable {
    /// Where alert transitions and evaluations go once they are committed.
    public struct Outputs: Sendable {
        /// Called with each evaluation's alert transitions (firing and resolved), in order.
        public var alerts: @Sendable ([Alert]) -> Void = { _ in }
        /// Called after each tick that evaluated something, and at least every `snapshotInterval`,
        /// with what the metrics file shows.
        public var snapshot: @Sendable (MonitorSnapshot) -> Void = { _ in }
        /// Called with the one-line summary for `sd_notify STATUS=` when it changes.
        public var status: @Sendable (String) -> Void = { _ in }

        public init() {}
    }

    private struct Control {
        var models: [ModelConfig]
        var stopRequested = false
    }

    private let databasePath: String
    private let journal: Journal
    private let outputs: Outputs
    private let control: Mutex<Control>
    private let waker = WakePipe()
    private let finished = DispatchSemaphore(value: 0)

    static let tickInterval: Duration = .seconds(1)
    /// The monitor thread's nice value (ingestion's threads keep 0).
    static let niceness: Int32 = 19
    static let snapshotInterval: Double = 15

    public init(databasePath: String, models: [ModelConfig], journal: Journal, outputs: Outputs) {
        self.databasePath = databasePath
        self.journal = journal
        self.outputs = outputs
        self.control = Mutex(Control(models: models))
    }

    deinit { waker.close() }

    public func start() {
        let thread = Thread { [self] in
            // Far below ingestion's threads: while ingestion catches up with a backlog it has the
            // cores, and evaluations catch up as soon as there is room (in steady state the
            // cores are idle and a window is evaluated at once).
            if let tid = Self.currentThreadID() {
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), Self.niceness)
            }
            var loop = MonitorLoop(databasePath: databasePath, journal: journal, outputs: outputs)
            loop.shouldStop = { [self] in control.withLock { $0.stopRequested } }
            while !control.withLock({ $0.stopRequested }) {
                let models = control.withLock { $0.models }
                loop.tick(models: models, now: Date().timeIntervalSince1970)
                waker.wait(timeout: Self.tickInterval)
            }
            finished.signal()
        }
        thread.name = "vigil-monitor"
        thread.start()
    }

    /// The kernel's id of the calling thread, from `/proc/thread-self` (`PID/task/TID`).
    static func currentThreadID() -> Int32? {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.flatMap { Int32($0) }
    }

    /// Asks the thread to stop after the evaluation under way (windows not yet evaluated stay
    /// closed in the state database and are evaluated after the next start), and waits for it.
    public func stop() async {
        control.withLock { $0.stopRequested = true }
        waker.wake()
        await finished.waitWithoutBlocking()
    }

    public func update(models: [ModelConfig]) {
        control.withLock { $0.models = models }
        waker.wake()
    }

    /// Evaluates as soon as possible (ingestion closed a window or joined outcomes).
    public func wake() { waker.wake() }
}
