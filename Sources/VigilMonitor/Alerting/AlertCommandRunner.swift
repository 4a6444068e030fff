import Foundation
import Synchronization
import VigilSystemd

/// Runs the configured `alert_command` once per alert transition, one at a time, on a thread of
/// its own, so that a slow or hanging hook never holds up evaluation.
///
/// The program gets the alert as JSON on standard input and a minimal environment
/// (`AlertCommandInput`). A non-zero exit, a failure to start, or a run past `timeout` (the
/// process group is then killed) is journaled with `MonitorEvent.alertCommandFailed`, with the
/// start of what the program wrote. At most `queueCapacity` alerts wait; beyond that the oldest
/// is dropped, journaled once until the queue empties. Call `stop()` before dropping the runner.
public final class AlertCommandRunner: Sendable {
    public static let defaultQueueCapacity = 100
    /// How much of the program's stdout and stderr a journal entry carries.
    static let journaledOutputBytes = 512

    /// The program's absolute path.
    public let command: String
    public let timeout: Duration
    let queueCapacity: Int
    /// How long a running command may go on once `stop()` is called.
    let stopGrace: Duration

    private let log: AlertingLog
    private let wake = WakePipe()
    private let finished = DispatchSemaphore(value: 0)

    private struct Queue {
        var alerts: [Alert] = []
        /// Alerts dropped since the queue was last empty, and whether that has been journaled.
        var dropped = 0
        var overflowReported = false
        var stopRequested = false
    }
    private let queue = Mutex(Queue())

    /// Starts the worker thread.
    ///
    /// - Parameters:
    ///   - command: the absolute path of the program (run directly, not through a shell).
    ///   - journal: where failures are reported.
    ///   - timeout: how long one run may take before its process group is killed.
    public convenience init(command: String, journal: Journal, timeout: Duration = .seconds(30)) {
        self.init(command: command, timeout: timeout, log: AlertingLog(journal: journal))
    }

    /// The full form, for tests: a smaller queue, a shorter grace, entries recorded instead of journaled.
    init(command: String, timeout: Duration = .seconds(30), queueCapacity: Int = AlertCommandRunner.defaultQueueCapacity,
         stopGrace: Duration = .seconds(2), log: AlertingLog) {
        self.command = command
        self.timeout = timeout
        self.queueCapacity = max(queueCapacity, 1)
        self.stopGrace = stopGrace
        self.log = log
        let thread = Thread { [self] in
            runUntilStopped()
            finished.signal()
        }
        thread.name = "vigil-alert-command"
        thread.start()
    }

    deinit {
        wake.close()
    }

    /// Queues `alert` for the command; returns at once.
    public func run(_ alert: Alert) {
        let accepted = queue.withLock { state -> Bool in
            guard !state.stopRequested else { return false }
            if state.alerts.count >= queueCapacity {
                state.alerts.removeFirst()
                state.dropped += 1
            }
            state.alerts.append(alert)
            return true
        }
        if accepted { wake.wake() }
    }

    /// Stops the worker: a running command gets `stopGrace` to finish, queued alerts are dropped
    /// (and journaled). Waits for the worker to end; later calls return at once.
    public func stop() {
        let first = queue.withLock { state -> Bool in
            defer { state.stopRequested = true }
            return !state.stopRequested
        }
        guard first else { return }
        wake.wake()
        finished.wait()
    }

    /// `stop()` without holding up a thread of the cooperative pool.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.stop()
                continuation.resume()
            }
        }
    }

    // MARK: The worker

    private enum Step {
        case wait
        case run(Alert, overflow: Int?)
        case stop(unsent: Int)
    }

    private func runUntilStopped() {
        // A child that exits without reading its input makes our write fail with EPIPE; blocked,
        // the SIGPIPE that comes with it cannot end vigild.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        while true {
            let step = queue.withLock { state -> Step in
                if state.stopRequested {
                    defer { state.alerts.removeAll() }
                    return .stop(unsent: state.alerts.count)
                }
                guard !state.alerts.isEmpty else {
                    state.dropped = 0
                    state.overflowReported = false
                    return .wait
                }
                var overflow: Int?
                if state.dropped > 0 && !state.overflowReported {
                    overflow = state.dropped
                    state.overflowReported = true
                }
                return .run(state.alerts.removeFirst(), overflow: overflow)
            }
            switch step {
            case .wait:
                wake.wait(timeout: .seconds(3_600))
            case .stop(let unsent):
                if unsent > 0 {
                    log(.warning, "stopping: \(unsent) alert(s) queued for the alert command \(command) were not run",
                        event: .alertCommandFailed,
                        fields: [("VIGIL_COMMAND", command), ("VIGIL_FAILURE", "stopping"), ("VIGIL_DROPPED", String(unsent))])
                }
                return
            case let .run(alert, overflow):
                if let overflow { reportOverflow(overflow) }
                execute(alert)
            }
        }
    }

    private func reportOverflow(_ dropped: Int) {
        log(.warning, "the alert command \(command) cannot keep up: \(queueCapacity) alerts are waiting, so the oldest are dropped (\(dropped) so far; further drops are not journaled until the queue empties)",
            event: .alertCommandFailed,
            fields: [("VIGIL_COMMAND", command), ("VIGIL_FAILURE", "queue_full"), ("VIGIL_DROPPED", String(dropped))])
    }

    private func execute(_ alert: Alert) {
        var execution = CommandExecution(path: command, environment: AlertCommandInput.environment(for: alert),
                                         input: AlertCommandInput.json(for: alert), timeout: timeout)
        execution.stopGrace = stopGrace
        let outcome = execution.run { queue.withLock { $0.stopRequested } }
        guard !outcome.succeeded else { return }

        let (failure, status, what): (String, String, String) = switch outcome.ending {
        case .exited(let code): ("exit", String(code), "exited with status \(code)")
        case .killedBySignal(let signal): ("signal", "signal \(signal)", "was killed by signal \(signal)")
        case .timedOut: ("timeout", "signal \(SIGKILL)", "was still running after \(Self.describe(timeout)) and was killed")
        case .interrupted: ("stopping", "signal \(SIGKILL)", "was still running when vigild stopped and was killed")
        case .notStarted(let reason): ("not_started", "", "could not be started: \(reason)")
        }
        let stderr = Self.excerpt(outcome.standardError)
        let firstLine = stderr.split(separator: "\n", maxSplits: 1).first.map { ": \($0)" } ?? ""
        log(.warning, "alert command \(command) \(what) (\(alert.key.rule.alertName) \(alert.status.rawValue) for \(alert.key.model))\(firstLine)",
            event: .alertCommandFailed,
            fields: [("VIGIL_COMMAND", command), ("VIGIL_FAILURE", failure), ("VIGIL_EXIT_STATUS", status),
                     ("VIGIL_STDERR", stderr), ("VIGIL_STDOUT", Self.excerpt(outcome.standardOutput)),
                     ("VIGIL_MODEL", alert.key.model), ("VIGIL_RULE", alert.key.rule.rawValue),
                     ("VIGIL_ALERT_STATUS", alert.status.rawValue)])
    }

    /// The first `journaledOutputBytes` of `bytes` as text (a cut character becomes U+FFFD).
    static func excerpt(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(journaledOutputBytes), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = duration.timeInterval
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
