import CSystemd
import Foundation

/// Tells the service manager about the daemon's state through `sd_notify`.
///
/// Every call is a no-op when `NOTIFY_SOCKET` is unset (not started by systemd with
/// `Type=notify`), so the daemon calls it unconditionally.
public struct Notifier: Sendable {
    public init() {}

    /// Whether a service manager is listening (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil }

    /// Startup is complete: `READY=1`, with a status line.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// A free-form status line shown by `systemctl status`.
    public func status(_ text: String) { send("STATUS=\(text)") }

    /// The daemon is alive: `WATCHDOG=1`.
    public func watchdogPing() { send("WATCHDOG=1") }

    /// A reload has begun: `RELOADING=1` with the `CLOCK_MONOTONIC` time, as `Type=notify-reload` requires.
    /// Follow it with `ready(status:)` when the reload is done.
    public func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())\nSTATUS=Reloading configuration")
    }

    /// Shutdown has begun: `STOPPING=1`.
    public func stopping() { send("STOPPING=1\nSTATUS=Stopping") }

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, or nil when the
    /// watchdog is off or meant for another process (`WATCHDOG_PID`).
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
    }

    private func send(_ state: String) {
        _ = sd_notify(0, state)
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
