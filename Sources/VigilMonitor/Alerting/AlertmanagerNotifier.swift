import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import VigilSystemd

/// Sends alerts to Alertmanager (`POST <url>/api/v2/alerts`) from a thread of its own, so that
/// evaluation never waits on the network.
///
/// Firing alerts are kept and re-sent every `resendInterval` with an `endsAt` a few minutes
/// ahead (Alertmanager resolves them itself if vigild goes away); a resolved alert is sent until
/// Alertmanager has it, then forgotten. Failures are retried with exponential backoff, and each
/// outage is journaled once (`MonitorEvent.alertmanagerUnreachable`), with a notice when it ends.
/// Call `stop()` before dropping the notifier: its thread holds it.
public final class AlertmanagerNotifier: Sendable {
    /// Where `runbook_url` points: the rule's raw value is appended (`…#alert-drift`).
    public static let defaultRunbookBase = "https://github.com/vigil/vigil/blob/main/README.md#alert-"

    /// The configured base URL, e.g. `http://127.0.0.1:9093`, as logged: any user and password in it are redacted.
    public let url: String
    public let resendInterval: Duration
    let requestTimeout: Duration
    /// How long `stop()` gives the last delivery of resolved alerts.
    let finalTimeout: Duration
    /// How far ahead of each send a firing alert's `endsAt` is set.
    let alertLifetime: Duration

    private let endpoint: URL?
    /// Sent as `Authorization: Bearer …`, and scrubbed from any answer that is logged.
    private let token: Secret?
    private let runbookBase: String
    private let clock: @Sendable () -> Double
    private let log: AlertingLog
    private let session: URLSession
    private let wake = WakePipe()
    private let finished = DispatchSemaphore(value: 0)

    /// What callers hand over and the worker takes.
    private struct Inbox {
        var alerts: [Alert] = []
        var stopRequested = false
        /// The request under way, cancelled by `stop()` so that stopping is not held up by it.
        var inFlight: URLSessionDataTask?
        /// Sends tried so far, delivered or not (for tests).
        var attempts = 0
    }
    private let inbox = Mutex(Inbox())

    /// Starts the worker thread.
    ///
    /// - Parameters:
    ///   - url: Alertmanager's base URL (http or https); `/api/v2/alerts` is appended.
    ///   - journal: where outages are reported.
    ///   - resendInterval: how often firing alerts are sent again.
    ///   - runbookBase: the `runbook_url` annotation, before the rule's raw value.
    ///   - token: the bearer token from `alertmanager.token_file`, if any.
    ///   - clock: wall time in Unix seconds, for `startsAt`/`endsAt`; waiting uses the monotonic clock.
    public convenience init(
        url: String, journal: Journal, resendInterval: Duration = .seconds(60),
        runbookBase: String = AlertmanagerNotifier.defaultRunbookBase, token: Secret? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.init(url: url, resendInterval: resendInterval, runbookBase: runbookBase, token: token, clock: clock,
                  log: AlertingLog(journal: journal))
    }

    /// The full form, for tests: backoff and timeouts shortened, entries recorded instead of journaled.
    init(
        url: String, resendInterval: Duration = .seconds(60), runbookBase: String = AlertmanagerNotifier.defaultRunbookBase,
        token: Secret? = nil, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(60),
        requestTimeout: Duration = .seconds(5), finalTimeout: Duration = .seconds(2),
        log: AlertingLog
    ) {
        self.url = Self.redactingCredentials(in: url)
        self.token = token
        self.resendInterval = resendInterval
        self.requestTimeout = requestTimeout
        self.finalTimeout = finalTimeout
        // Four minutes, as Prometheus does, but never less than three resend intervals, so that a
        // long interval does not let alerts lapse between sends.
        alertLifetime = max(.seconds(240), resendInterval * 3)
        self.runbookBase = runbookBase
        self.clock = clock
        self.log = log
        endpoint = Self.endpoint(for: url)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = max(requestTimeout.timeInterval.rounded(.up), 1)
        configuration.timeoutIntervalForResource = max(requestTimeout.timeInterval.rounded(.up), 1)
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration)

        let delivery = AlertmanagerDelivery(resendInterval: resendInterval, initialBackoff: initialBackoff,
                                            maximumBackoff: maximumBackoff)
        let thread = Thread { [self] in
            deliverUntilStopped(delivery)
            finished.signal()
        }
        thread.name = "vigil-alertmanager"
        thread.start()
    }

    deinit {
        wake.close()
    }

    /// Hands alert transitions (firing or resolved) to the worker; returns at once.
    public func update(_ alerts: [Alert]) {
        guard !alerts.isEmpty else { return }
        let accepted = inbox.withLock { state -> Bool in
            guard !state.stopRequested else { return false }
            state.alerts.append(contentsOf: alerts)
            return true
        }
        if accepted { wake.wake() }
    }

    /// Stops the worker after one last try (at most `finalTimeout`) to deliver what Alertmanager
    /// has not had yet, resolutions above all, and waits for it to end. Later calls return at once.
    public func stop() {
        let (first, inFlight) = inbox.withLock { state -> (Bool, URLSessionDataTask?) in
            defer { state.stopRequested = true }
            return (!state.stopRequested, state.inFlight)
        }
        guard first else { return }
        inFlight?.cancel()
        wake.wake()
        finished.wait()
        session.finishTasksAndInvalidate()
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

    /// Sends tried so far, delivered or not.
    var attempts: Int { inbox.withLock { $0.attempts } }

    // MARK: The worker

    private func deliverUntilStopped(_ initial: AlertmanagerDelivery) {
        var delivery = initial
        while true {
            let now = ContinuousClock.now
            if let deadline = delivery.nextDeadline(now: now) {
                if deadline > now { wake.wait(timeout: deadline - now) }
            } else {
                wake.wait(timeout: .seconds(3_600))
            }
            let (arrived, stopping) = inbox.withLock { state in
                defer { state.alerts.removeAll() }
                return (state.alerts, state.stopRequested)
            }
            delivery.take(arrived)
            if stopping {
                if delivery.hasUndelivered { sendFinal(&delivery) }
                return
            }
            if delivery.isDue(at: .now) { send(&delivery) }
        }
    }

    private func send(_ delivery: inout AlertmanagerDelivery) {
        let alerts = delivery.alertsToSend
        switch post(alerts, timeout: requestTimeout, isFinal: false) {
        case .success:
            if delivery.delivered(at: .now) {
                log(.notice, "Alertmanager at \(url) is reachable again; \(alerts.count) alert(s) delivered",
                    event: nil, fields: [("VIGIL_URL", url), ("VIGIL_ALERTS", String(alerts.count))])
            }
        case .failure(let error) where error.reason == .cancelled:
            break
        case .failure(let error):
            if delivery.failed(at: .now) {
                log(.warning, "Alertmanager at \(url) is not accepting alerts (\(error.problem)); \(alerts.count) alert(s) kept and re-sent until it does",
                    event: .alertmanagerUnreachable,
                    fields: [("VIGIL_URL", url), ("VIGIL_ERROR", error.problem), ("VIGIL_ALERTS", String(alerts.count))])
            }
        }
    }

    /// The last try when stopping: what fails now is left to Alertmanager's own expiry.
    private func sendFinal(_ delivery: inout AlertmanagerDelivery) {
        let alerts = delivery.alertsToSend
        if case .failure(let error) = post(alerts, timeout: finalTimeout, isFinal: true) {
            let resolved = alerts.filter { $0.status == .resolved }.count
            log(.warning, "stopping: \(resolved) resolved alert(s) could not be delivered to Alertmanager at \(url) (\(error.problem)); Alertmanager ends them by itself when their endsAt passes",
                event: .alertmanagerUnreachable,
                fields: [("VIGIL_URL", url), ("VIGIL_ERROR", error.problem), ("VIGIL_ALERTS", String(alerts.count))])
        }
    }

    /// Posts `alerts` and waits for the answer, at most `timeout`.
    private func post(_ alerts: [Alert], timeout: Duration, isFinal: Bool) -> Result<Void, AlertmanagerError> {
        inbox.withLock { $0.attempts += 1 }
        guard let endpoint else { return .failure(AlertmanagerError(url: url, reason: .invalidURL)) }
        let now = clock()
        let lifetime = alertLifetime.timeInterval
        let body = AlertmanagerPayload.body(alerts.map {
            AlertmanagerPayload($0, now: now, lifetime: lifetime, runbookBase: runbookBase)
        })
        // swift-corelibs-foundation keeps whole seconds of a request timeout (0.3 s would time out at
        // once), so the session gets the timeout rounded up; the wait below keeps the exact one.
        var request = URLRequest(url: endpoint, cachePolicy: .reloadIgnoringLocalCacheData,
                                 timeoutInterval: max(timeout.timeInterval.rounded(.up), 1))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token.revealed)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body

        let answer = Answer()
        let task = session.dataTask(with: request) { [url, token] data, response, error in
            answer.set(Self.interpret(data: data, response: response, error: error, url: url, token: token, timeout: timeout))
        }
        let abandoned = inbox.withLock { state -> Bool in
            if state.stopRequested && !isFinal { return true }
            state.inFlight = task
            return false
        }
        if abandoned { return .failure(AlertmanagerError(url: url, reason: .cancelled)) }
        task.resume()
        // The session has its own timeout, but this deadline is the one that holds.
        let answered = answer.wait(for: timeout)
        inbox.withLock { $0.inFlight = nil }
        guard answered, let result = answer.result else {
            task.cancel()
            return .failure(AlertmanagerError(url: url, reason: .timedOut(seconds: timeout.timeInterval)))
        }
        return result
    }

    private static func interpret(data: Data?, response: URLResponse?, error: (any Error)?, url: String,
                                  token: Secret?, timeout: Duration) -> Result<Void, AlertmanagerError> {
        if let error {
            let reason: AlertmanagerError.Reason
            switch (error as? URLError)?.code {
            case .cancelled?: reason = .cancelled
            case .timedOut?: reason = .timedOut(seconds: timeout.timeInterval)
            case .cannotConnectToHost?: reason = .transport("connection refused")
            case .cannotFindHost?, .dnsLookupFailed?: reason = .transport("host not found")
            case .networkConnectionLost?: reason = .transport("connection lost")
            case let code?: reason = .transport("\(error.localizedDescription) (URLError \(code.rawValue))")
            case nil: reason = .transport(error.localizedDescription)
            }
            return .failure(AlertmanagerError(url: url, reason: reason))
        }
        guard let http = response as? HTTPURLResponse else {
            return .failure(AlertmanagerError(url: url, reason: .transport("not an HTTP answer")))
        }
        guard (200..<300).contains(http.statusCode) else {
            // A proxy may echo the request's headers back; the token must not reach the journal.
            var answer = String(decoding: data ?? Data(), as: UTF8.self)
            if let token { answer = answer.replacingOccurrences(of: token.revealed, with: "<redacted>") }
            let body = String(answer.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(AlertmanagerError(url: url, reason: .rejected(status: http.statusCode, body: body)))
        }
        return .success(())
    }

    /// `url` with any `user:password@` replaced by `<redacted>@`, for the journal.
    static func redactingCredentials(in url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let authorityEnd = url[scheme.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        guard at < authorityEnd else { return url }
        return String(url[..<scheme.upperBound]) + "<redacted>" + String(url[at...])
    }

    /// `<base>/api/v2/alerts`, or nil when `base` is not an http(s) URL with a host.
    static func endpoint(for base: String) -> URL? {
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed + "/api/v2/alerts"),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return nil }
        return url
    }
}

/// One request's answer, handed from the session's queue to the waiting worker.
private final class Answer: Sendable {
    private let value = Mutex<Result<Void, AlertmanagerError>?>(nil)
    private let arrived = DispatchSemaphore(value: 0)

    func set(_ result: Result<Void, AlertmanagerError>) {
        value.withLock { $0 = result }
        arrived.signal()
    }

    /// Waits for the answer; false when `duration` passed first.
    func wait(for duration: Duration) -> Bool {
        arrived.wait(timeout: .now() + duration.timeInterval) == .success
    }

    var result: Result<Void, AlertmanagerError>? { value.withLock { $0 } }
}

