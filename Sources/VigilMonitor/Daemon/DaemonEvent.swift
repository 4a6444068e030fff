/// The kinds of journal entries the daemon's life produces, each with the fixed
/// `MESSAGE_ID` that links it to the journal catalog (`journalctl -x`).
public enum DaemonEvent: String, Sendable, CaseIterable {
    case started = "e8f9144884ca4a3cac6db61bfe9b4181"
    case stopped = "64e903f00fa5484cb31d4baf36f8c709"
    case reloaded = "6b3037ea055a4235a936cb48e71338f1"
    case reloadFailed = "342764e4d3f34a7593773bb7566f3ead"
    case uncleanShutdown = "66c38059f6374e7381ada28497ca7b29"

    /// The `MESSAGE_ID` journal field.
    public var messageID: String { rawValue }
}
