import VigilSystemd

/// What a caller of the control socket may do, decided from the kernel's word on who they are.
public enum ControlRole: String, Sendable, Comparable, CaseIterable {
    /// Anyone who can reach the socket: reads only.
    case viewer
    /// Clinical owners (`clinical_group`): pause, resume, approve, reject, and every read.
    case clinical
    /// uid 0 and `admin_group`: everything.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .clinical: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    /// The role of the peer with `credentials`, given the configured group names.
    public static func of(_ credentials: PeerCredentials, config: Config) -> ControlRole {
        if credentials.uid == 0 || credentials.isMember(ofGroupNamed: config.adminGroup) { return .admin }
        if credentials.isMember(ofGroupNamed: config.clinicalGroup) { return .clinical }
        return .viewer
    }
}

/// The commands of the control protocol, with the role each needs.
public enum ControlCommand: String, Sendable, CaseIterable {
    case status, alerts, history, quarantine, audit
    case pause, resume, approve, reject
    case rollback, retrain, reload, register

    /// The least role allowed to run the command.
    public var requiredRole: ControlRole {
        switch self {
        case .status, .alerts, .history, .quarantine, .audit: .viewer
        case .pause, .resume, .approve, .reject: .clinical
        case .rollback, .retrain, .reload, .register: .admin
        }
    }

    /// Whether the command changes something (and so is audited and journaled).
    public var isAction: Bool { requiredRole > .viewer }
}
