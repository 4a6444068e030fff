/// The kinds of journal entries monitoring produces, each with the fixed `MESSAGE_ID` that
/// links it to the journal catalog (`systemd/vigil.catalog`, `journalctl -x`).
public enum MonitorEvent: String, Sendable, CaseIterable {
    /// A window was evaluated (info).
    case evaluation = "e06cd22b195541c386c8c2964bf3d1db"
    /// An input-drift alert started firing (warning).
    case driftFiring = "d8ad743feea04f1e9a74f28ddd791942"
    /// A performance or calibration alert started firing (crit for performance, warning for calibration).
    case performanceFiring = "8a0b7c8decec4377afd9eee5e84ff477"
    /// A data-quality or pipeline alert started firing (warning).
    case dataFiring = "b7c287fd5daa466a8989dbbe1d3d3922"
    /// A firing alert resolved (notice).
    case resolved = "89496dbab4fe4c7a9b5c3aeca145896d"
    /// Alertmanager could not be reached; alerts are kept and re-sent (warning, once per outage).
    case alertmanagerUnreachable = "76cf9bb6d77c49638261a71c66b535ac"
    /// The configured `alert_command` failed, timed out or could not be started (warning).
    case alertCommandFailed = "68429e20f26643078822ec29494b6c33"

    /// The `MESSAGE_ID` journal field.
    public var messageID: String { rawValue }

    /// The entry kind for an alert that started firing under `rule`.
    public static func firing(_ rule: AlertRule) -> MonitorEvent {
        switch rule {
        case .drift: .driftFiring
        case .performance, .calibration: .performanceFiring
        case .dataQuality, .pipeline, .retrainFailed, .approvalNeeded, .rolledBack: .dataFiring
        }
    }
}
