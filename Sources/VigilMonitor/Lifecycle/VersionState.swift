/// Where a model version stands in the registry.
public enum VersionState: String, Sendable, Codable, CaseIterable {
    /// Trained, not yet judged.
    case candidate
    /// Failed its gates (held-out or shadow), or turned down by a clinical owner.
    case rejected
    /// Passed its held-out gates; scored in shadow beside production.
    case staged
    /// Passed its shadow comparison; waits for `vigil approve` or `vigil reject`.
    case awaitingApproval = "awaiting_approval"
    /// What `serving.json` names.
    case production
    /// The production version before the current one: where a rollback goes.
    case previous
    /// Superseded and no longer a rollback target.
    case retired
    /// Taken out of production because it did worse.
    case rolledBack = "rolled_back"
}

/// The kinds of life-cycle events: what `vigil history` lists and the journal entries (each
/// with its catalog `MESSAGE_ID`).
public enum LifecycleEvent: String, Sendable, Codable, CaseIterable {
    case registered
    case retrainStarted = "retrain_started"
    case retrainFailed = "retrain_failed"
    case rejected
    case staged
    case awaitingApproval = "awaiting_approval"
    case promoted
    case rolledBack = "rolled_back"
    case paused
    case resumed
    /// `serving.json` disagreed with the registry (a crash between the two, or a hand edit) and was rewritten.
    case servingRepaired = "serving_repaired"

    /// The `MESSAGE_ID` journal field.
    public var messageID: String {
        switch self {
        case .registered: "58430329258e4c3d8e08686fd28c1fbf"
        case .retrainStarted: "4b09eb418add4e44a727fed39648eddb"
        case .retrainFailed: "18fdff23f3e64fd7884c88dd48ec204c"
        case .rejected: "b5a8977bd87c401a89c439f014a4c617"
        case .staged: "897e50dd92154f1eb87d1a3ff77e279a"
        case .awaitingApproval: "809c3eda515645c8a84f7a99a8cfaffe"
        case .promoted: "4ddc93be44dc478fb1ca4d320083351f"
        case .rolledBack: "33f24ed3d357473cba78e1acdd2bc60d"
        case .paused: "efaf6a733b1d4cd9b9e1599905d7e390"
        case .resumed: "606f51223297445eaf3ab4e66f000626"
        case .servingRepaired: "c59e2efc94124eacbcc7dbed9e470347"
        }
    }
}
