/// What the notifier's worker thread knows about delivery: the alerts still to send, when to
/// send next, and whether Alertmanager is in an outage. Owned by that one thread.
///
/// Every send is a snapshot of all firing alerts plus the resolved ones not yet delivered:
/// Alertmanager merges repeats, and a snapshot heals whatever an earlier failure lost.
struct AlertmanagerDelivery {
    /// Firing alerts, kept until they resolve and re-sent every `resendInterval`.
    private(set) var firing: [AlertKey: Alert] = [:]
    /// Resolved alerts not yet delivered; forgotten once Alertmanager has them.
    private(set) var resolved: [AlertKey: Alert] = [:]
    /// A transition arrived that Alertmanager has not been told about.
    private(set) var hasUnsentChanges = false
    /// Alertmanager's last answer was a failure: sending waits until `retryAt`.
    private(set) var isInOutage = false
    private(set) var retryAt: ContinuousClock.Instant?
    private(set) var backoff: Duration
    private var nextResend: ContinuousClock.Instant?

    let resendInterval: Duration
    let initialBackoff: Duration
    let maximumBackoff: Duration

    init(resendInterval: Duration, initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(60)) {
        self.resendInterval = resendInterval
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        backoff = initialBackoff
    }

    /// Takes transitions in the order they happened: the last one for a key wins.
    mutating func take(_ alerts: [Alert]) {
        for alert in alerts {
            switch alert.status {
            case .firing:
                firing[alert.key] = alert
                resolved[alert.key] = nil
            case .resolved:
                firing[alert.key] = nil
                resolved[alert.key] = alert
            }
            hasUnsentChanges = true
        }
    }

    /// Something Alertmanager has not had yet (a new transition, or an undelivered resolution).
    var hasUndelivered: Bool { hasUnsentChanges || !resolved.isEmpty }

    /// The alerts a send carries, in key order: all firing, then the undelivered resolved.
    var alertsToSend: [Alert] {
        firing.values.sorted { $0.key < $1.key } + resolved.values.sorted { $0.key < $1.key }
    }

    /// When the worker has to act next without being woken; nil when there is nothing to send.
    func nextDeadline(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        if let retryAt { return retryAt }
        if hasUndelivered { return now }
        if !firing.isEmpty { return nextResend ?? now }
        return nil
    }

    /// Whether a send is due at `now`.
    func isDue(at now: ContinuousClock.Instant) -> Bool {
        guard let deadline = nextDeadline(now: now) else { return false }
        return deadline <= now
    }

    /// Records a send that Alertmanager accepted.
    ///
    /// - Returns: true when this ends an outage.
    mutating func delivered(at now: ContinuousClock.Instant) -> Bool {
        let endedOutage = isInOutage
        resolved.removeAll()
        hasUnsentChanges = false
        isInOutage = false
        retryAt = nil
        backoff = initialBackoff
        nextResend = now + resendInterval
        return endedOutage
    }

    /// Records a failed send: the next try waits `backoff`, which doubles up to `maximumBackoff`.
    ///
    /// - Returns: true when this starts an outage.
    mutating func failed(at now: ContinuousClock.Instant) -> Bool {
        let startedOutage = !isInOutage
        isInOutage = true
        retryAt = now + backoff
        backoff = min(backoff * 2, maximumBackoff)
        return startedOutage
    }
}
