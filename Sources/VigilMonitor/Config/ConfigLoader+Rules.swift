import Yams

/// The alert-rule sections of a model (`drift`, `ignore_drift`, `performance`, `data_quality`,
/// `pipeline`): every key optional, every default the clinical one from the monitoring issue.
extension ConfigLoader {
    static let timingKeys = ["for", "resolve_for", "cooldown"]
    static let driftKeys = ["psi", "moderate_psi", "p_value", "dataset_share", "bins"] + timingKeys
    static let performanceKeys = [
        "threshold", "window", "min_outcomes", "alert_below", "max_drop", "validation_auroc", "max_ece", "reevaluate_every",
    ] + timingKeys
    static let dataQualityKeys = ["max_missing_increase", "max_unseen_share"] + timingKeys
    static let pipelineKeys = ["silence_after", "max_outcome_lag", "max_quarantine_rate"] + timingKeys

    func readRules(_ key: String, _ node: Node, at path: String, into rules: inout ModelConfig.Rules, reader: YAMLReader) {
        if key == "ignore_drift" {
            rules.ignoreDrift = reader.stringList(node, at: path) ?? []
            return
        }
        if YAMLReader.isNull(node) { return }
        let allowed = switch key {
        case "drift": Self.driftKeys
        case "performance": Self.performanceKeys
        case "data_quality": Self.dataQualityKeys
        default: Self.pipelineKeys
        }
        guard let entries = reader.mapping(node, at: path, allowed: allowed) else { return }
        for (name, value) in entries {
            let keyPath = "\(path).\(name)"
            func number(_ range: ClosedRange<Double>) -> Double? { reader.number(value, at: keyPath, in: range) }
            func count(_ range: ClosedRange<Int>) -> Int? { reader.integer(value, at: keyPath, in: range) }
            /// A duration, or `off` to turn the check off.
            func optionalDuration() -> TimeSpan?? {
                if case .scalar(let scalar) = value, ["off", "false", "no"].contains(scalar.string) { return .some(nil) }
                return reader.duration(value, at: keyPath).map { .some($0) }
            }
            switch (key, name) {
            case (_, "for"), (_, "resolve_for"), (_, "cooldown"):
                readTiming(name, value, at: keyPath, key: key, into: &rules, reader: reader)
            case ("drift", "psi"): number(0.001...100).map { rules.drift.decision.psiThreshold = $0 }
            case ("drift", "moderate_psi"): number(0...100).map { rules.drift.decision.moderatePSIThreshold = $0 }
            case ("drift", "p_value"): number(0...1).map { rules.drift.decision.adjustedPValueThreshold = $0 }
            case ("drift", "dataset_share"): number(0.001...1).map { rules.drift.decision.datasetDriftShare = $0 }
            case ("drift", "bins"): count(2...100).map { rules.drift.decision.binCount = $0 }
            case ("performance", "threshold"): number(0...1).map { rules.performance.threshold = $0 }
            case ("performance", "window"): count(10...1_000_000).map { rules.performance.window = $0 }
            case ("performance", "min_outcomes"): count(1...1_000_000).map { rules.performance.minOutcomes = $0 }
            case ("performance", "alert_below"): number(0...1).map { rules.performance.alertBelow = $0 }
            case ("performance", "max_drop"): number(0...1).map { rules.performance.maxDrop = $0 }
            case ("performance", "validation_auroc"): number(0...1).map { rules.performance.validationAUROC = $0 }
            case ("performance", "max_ece"): number(0...1).map { rules.performance.maxECE = $0 }
            case ("performance", "reevaluate_every"): count(1...1_000_000).map { rules.performance.reevaluateEvery = $0 }
            case ("data_quality", "max_missing_increase"): number(0...1).map { rules.dataQuality.maxMissingIncrease = $0 }
            case ("data_quality", "max_unseen_share"): number(0...1).map { rules.dataQuality.maxUnseenShare = $0 }
            case ("pipeline", "silence_after"): optionalDuration().map { rules.pipeline.silenceAfter = $0 }
            case ("pipeline", "max_outcome_lag"): optionalDuration().map { rules.pipeline.maxOutcomeLag = $0 }
            case ("pipeline", "max_quarantine_rate"): number(0...1).map { rules.pipeline.maxQuarantineRate = $0 }
            default: break
            }
        }
        if rules.drift.decision.moderatePSIThreshold > rules.drift.decision.psiThreshold {
            reader.report("\(path).moderate_psi", "must not be above drift.psi (\(rules.drift.decision.psiThreshold))", at: node)
        }
    }

    private func readTiming(_ name: String, _ value: Node, at path: String, key: String, into rules: inout ModelConfig.Rules, reader: YAMLReader) {
        func update(_ change: (inout AlertTiming) -> Void) {
            switch key {
            case "drift": change(&rules.drift.timing)
            case "performance": change(&rules.performance.timing)
            case "data_quality": change(&rules.dataQuality.timing)
            default: change(&rules.pipeline.timing)
            }
        }
        switch name {
        case "for": reader.integer(value, at: path, in: 1...1_000).map { count in update { $0.fireAfter = count } }
        case "resolve_for": reader.integer(value, at: path, in: 1...1_000).map { count in update { $0.resolveAfter = count } }
        default: reader.duration(value, at: path).map { span in update { $0.cooldown = span } }
        }
    }
}
