/// One rule's verdict on one alert key in one evaluation, with what to say if it fires.
struct AlertObservation: Sendable, Equatable {
    var key: AlertKey
    var breaching: Bool
    var severity: AlertSeverity
    var version: String?
    var value: Double?
    var threshold: Double?
    var summary: String
    var description: String
    var timing: AlertTiming
    /// The evaluated window's bounds (Unix seconds, prediction time).
    var windowStart: Double?
    var windowEnd: Double?
}

/// Where one alert key stands: inactive, pending (breaching, not yet for `for` evaluations),
/// firing, or resolved (inactive again, remembered for the cooldown).
struct AlertState: Sendable, Equatable {
    enum Phase: String, Sendable {
        case inactive, pending, firing, resolved
    }

    var phase: Phase = .inactive
    /// Consecutive breaching evaluations (while inactive or pending).
    var breaches = 0
    /// Consecutive clear evaluations (while firing).
    var clears = 0
    /// When it last resolved, in the evaluations' time (prediction time for windows).
    var resolvedAt: Double?
    /// The alert as last sent, once it has fired.
    var alert: Alert?

    /// Applies one observation. Returns the alert to send when the key starts firing or
    /// resolves, and nil otherwise: a key that stays firing is not sent again (deduplication);
    /// Alertmanager's re-sends keep it alive.
    ///
    /// - Parameters:
    ///   - time: when the observed evaluation happened in its own time (a window's end), for the cooldown.
    ///   - now: wall time, for the alert's start and end.
    mutating func observe(_ observation: AlertObservation, time: Double, now: Double) -> Alert? {
        let timing = observation.timing
        if observation.breaching {
            switch phase {
            case .inactive, .pending, .resolved:
                breaches += 1
                clears = 0
                let coolingDown = resolvedAt.map { time - $0 < Double(timing.cooldown.seconds) } ?? false
                guard breaches >= timing.fireAfter, !coolingDown else {
                    phase = .pending
                    return nil
                }
                phase = .firing
                breaches = 0
                let fired = Self.alert(from: observation, status: .firing, startsAt: now, endsAt: nil)
                alert = fired
                return fired
            case .firing:
                clears = 0
                // Keep the latest figures for re-sends and `vigil alerts`; no new notification.
                if let started = alert?.startsAt {
                    alert = Self.alert(from: observation, status: .firing, startsAt: started, endsAt: nil)
                }
                return nil
            }
        }
        switch phase {
        case .inactive, .resolved:
            return nil
        case .pending:
            phase = resolvedAt == nil ? .inactive : .resolved
            breaches = 0
            return nil
        case .firing:
            clears += 1
            guard clears >= timing.resolveAfter else { return nil }
            phase = .resolved
            clears = 0
            resolvedAt = time
            var resolved = alert ?? Self.alert(from: observation, status: .firing, startsAt: now, endsAt: nil)
            resolved.status = .resolved
            resolved.endsAt = now
            resolved.value = observation.value
            resolved.summary = observation.summary
            resolved.windowStart = observation.windowStart
            resolved.windowEnd = observation.windowEnd
            alert = resolved
            return resolved
        }
    }

    /// Ends the key for good (its feature is no longer monitored): a firing alert resolves and
    /// is returned, a pending one is dropped; an inactive or resolved key is left as it is.
    mutating func retire(time: Double, now: Double) -> Alert? {
        guard phase == .firing || phase == .pending else { return nil }
        let wasFiring = phase == .firing
        phase = .resolved
        breaches = 0
        clears = 0
        resolvedAt = time
        guard wasFiring, var resolved = alert else { return nil }
        resolved.status = .resolved
        resolved.endsAt = now
        resolved.summary += " (resolved: no longer monitored under the current configuration)"
        alert = resolved
        return resolved
    }

    private static func alert(from observation: AlertObservation, status: Alert.Status, startsAt: Double, endsAt: Double?) -> Alert {
        Alert(
            key: observation.key, status: status, severity: observation.severity, version: observation.version,
            value: observation.value, threshold: observation.threshold, summary: observation.summary,
            description: observation.description, windowStart: observation.windowStart, windowEnd: observation.windowEnd,
            startsAt: startsAt, endsAt: endsAt)
    }
}
