/// What the metrics file and the status line show, after a tick.
public struct MonitorSnapshot: Sendable, Equatable {
    public struct Model: Sendable, Equatable {
        public var name: String
        public var version: String?
        public var predictionsIngested: Int64
        public var quarantined: Int64
        public var pendingOutcomes: Int64
        public var firing: [Alert]
        public var lastEvaluation: Double?
        public var auroc: Double?
        public var estimatedAUROC: Double?
        public var ece: Double?
        /// The last window evaluation's features (overall and per subgroup).
        public var features: [FeatureEvaluation]
        /// The registry's production version, whether the model is paused, and its life-cycle events by kind.
        public var servingVersion: Int? = nil
        public var paused = false
        public var lifecycleEvents: [String: Int64] = [:]
    }

    public var models: [Model]
}
