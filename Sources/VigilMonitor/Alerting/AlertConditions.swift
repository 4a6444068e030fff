import Foundation

/// Turns an evaluation into one observation per alert key the evaluation can judge, under
/// the model's rules. A key the evaluation cannot judge (a subgroup too small, no reference)
/// gets no observation, so its alert state stays as it was.
enum AlertConditions {
    static func observations(for evaluation: Evaluation, model: ModelConfig, outcomeLag: Double?, windowStart: Double?, windowEnd: Double?) -> [AlertObservation] {
        var observations: [AlertObservation] = []
        let who = evaluation.version.map { "\(model.name) v\($0)" } ?? model.name
        func add(_ key: AlertKey, _ breaching: Bool, _ severity: AlertSeverity, _ timing: AlertTiming,
                 value: Double?, threshold: Double?, summary: String, description: String) {
            observations.append(AlertObservation(
                key: key, breaching: breaching, severity: severity, version: evaluation.version, value: value,
                threshold: threshold, summary: summary, description: description, timing: timing,
                windowStart: windowStart, windowEnd: windowEnd))
        }

        // Drift, one alert per feature: over the whole window when the feature moved
        // everywhere, or per subgroup when it moved in some values of a subgroup attribute and
        // not in others (an assay changed at one site), so one shift raises one alert.
        let decision = model.drift.decision
        let localized = localizedDrift(in: evaluation)
        for feature in evaluation.features where !feature.ignored && feature.psi != nil {
            let breaching: Bool
            if let subgroup = feature.subgroup {
                breaching = localized[feature.name]?.contains(subgroup) ?? false
            } else {
                breaching = feature.drifted && (localized[feature.name] ?? []).isEmpty
            }
            let at = feature.subgroup.map { " at \($0.replacingOccurrences(of: "=", with: " "))" } ?? ""
            let test = feature.type == .numeric
                ? "KS \(pEquals(feature.ksPValue))"
                : "chi-square \(pEquals(feature.chi2PValue))"
            add(AlertKey(model: model.name, rule: .drift, feature: feature.name, subgroup: feature.subgroup),
                breaching, .warning, model.drift.timing, value: feature.psi, threshold: decision.psiThreshold,
                summary: "\(who): input drift in \(feature.name) (PSI \(format(feature.psi)), \(test))\(at)",
                description: """
                    The distribution of \(feature.name)\(at) in the window \(evaluation.windowStart ?? "?") to \(evaluation.windowEnd ?? "?") \
                    differs from the model's reference (\(evaluation.reference ?? "reference")): PSI \(format(feature.psi)), \
                    adjusted \(pEquals(feature.ksPValueAdjusted)); the rule is PSI >= \(format(decision.psiThreshold)), \
                    or adjusted p < \(format(p: decision.adjustedPValueThreshold)) with PSI >= \(format(decision.moderatePSIThreshold)). \
                    Check the feature's source: a changed assay, unit or device, a new population. `vigil history \(model.name)` shows every statistic.
                    """)
        }
        if let share = evaluation.driftedShare, !evaluation.features.isEmpty {
            let overall = evaluation.features.filter { $0.subgroup == nil }
            let drifted = overall.filter(\.drifted).count
            add(AlertKey(model: model.name, rule: .drift, check: "dataset"),
                share >= decision.datasetDriftShare, .warning, model.drift.timing, value: share, threshold: decision.datasetDriftShare,
                summary: "\(who): \(drifted) of \(overall.count) input features drifted (\(percent(share)))",
                description: "At least \(percent(decision.datasetDriftShare)) of the model's features drifted in one window: the population or the data pipeline has changed broadly. Consider pausing the model (`vigil pause \(model.name)`) while this is investigated.")
        }

        // Performance and calibration on the most recent joined outcomes.
        let rules = model.performance
        if let performance = evaluation.performance, let auroc = performance.auroc, performance.n >= rules.minOutcomes {
            var breaching = auroc < rules.alertBelow
            var reason = "below \(format(rules.alertBelow))"
            if let validation = rules.validationAUROC, validation - auroc > rules.maxDrop,
               let upper = performance.aurocCI?.last, upper < validation {
                breaching = true
                reason = "\(format(validation - auroc)) below its validation AUROC \(format(validation)), CI upper bound \(format(upper))"
            }
            let interval = performance.aurocCI.map { " (95% CI \(format($0[0]))-\(format($0[1])))" } ?? ""
            add(AlertKey(model: model.name, rule: .performance), breaching, .critical, rules.timing,
                value: auroc, threshold: rules.alertBelow,
                summary: "\(who): AUROC \(format(auroc))\(interval) on the last \(performance.n) outcomes, \(breaching ? reason : "within limits")",
                description: "Discrimination on the most recent \(performance.n) joined outcomes has fallen. Clinical owners should review whether the model's output is still safe to act on; `vigil pause \(model.name) --reason ...` stops its use.")
            if let ece = performance.ece {
                add(AlertKey(model: model.name, rule: .calibration), ece > rules.maxECE, .warning, rules.timing,
                    value: ece, threshold: rules.maxECE,
                    summary: "\(who): calibration error (ECE) \(format(ece)) on the last \(performance.n) outcomes, limit \(format(rules.maxECE))",
                    description: "Predicted risks no longer match observed rates (expected calibration error above its limit). Scores used as probabilities or against a fixed threshold may mislead; recalibration or retraining is due.")
            }
        }
        // A subgroup has fewer outcomes and a wider interval: it breaches only when the whole
        // interval is below the floor, so that a small site does not page on noise.
        for subgroup in evaluation.subgroups {
            guard let auroc = subgroup.auroc, let upper = subgroup.aurocCI?.last, subgroup.outcomes >= rules.minOutcomes else { continue }
            add(AlertKey(model: model.name, rule: .performance, subgroup: subgroup.label), upper < rules.alertBelow, .critical, rules.timing,
                value: auroc, threshold: rules.alertBelow,
                summary: "\(who): AUROC \(format(auroc)) (95% CI up to \(format(upper))) at \(subgroup.name) \(subgroup.value) on its last \(subgroup.outcomes) outcomes, limit \(format(rules.alertBelow))",
                description: "Discrimination within \(subgroup.label) is below its limit, with its whole 95% interval, while other subgroups may be fine: check for a local change (equipment, protocol, population).")
        }

        // Data quality, per feature, over the whole window.
        let quality = model.dataQuality
        for feature in evaluation.features where feature.subgroup == nil {
            if let current = feature.missingShare, let reference = feature.referenceMissingShare {
                add(AlertKey(model: model.name, rule: .dataQuality, feature: feature.name, check: "missing"),
                    current - reference > quality.maxMissingIncrease, .warning, quality.timing,
                    value: current, threshold: reference + quality.maxMissingIncrease,
                    summary: "\(who): \(feature.name) missing in \(percent(current)) of predictions (reference \(percent(reference)))",
                    description: "More predictions lack \(feature.name) than in the reference: an interface, lab feed or form field may have stopped delivering it. The model treats it as missing.")
            }
            if let unseen = feature.unseenShare {
                add(AlertKey(model: model.name, rule: .dataQuality, feature: feature.name, check: "unseen"),
                    unseen > quality.maxUnseenShare, .warning, quality.timing, value: unseen, threshold: quality.maxUnseenShare,
                    summary: "\(who): \(percent(unseen)) of \(feature.name) values are categories the reference never had",
                    description: "New codes appear in \(feature.name): a renamed site or unit, a new code list. The model has never seen them.")
            }
        }

        // The feed: quarantined lines and outcome lag.
        let pipeline = model.pipeline
        if let rate = evaluation.quarantineRate {
            add(AlertKey(model: model.name, rule: .pipeline, check: "quarantine_rate"), rate > pipeline.maxQuarantineRate, .warning, pipeline.timing,
                value: rate, threshold: pipeline.maxQuarantineRate,
                summary: "\(model.name): \(percent(rate)) of lines quarantined in the last window (limit \(percent(pipeline.maxQuarantineRate)))",
                description: "Many log lines could not be used. `vigil quarantine \(model.name)` lists them with the reason and the first bytes of each.")
        }
        if let outcomeLag {
            let limit = Double((pipeline.maxOutcomeLag ?? model.labelHorizon).seconds)
            add(AlertKey(model: model.name, rule: .pipeline, check: "outcome_lag"), outcomeLag > limit, .warning, pipeline.timing,
                value: outcomeLag, threshold: limit,
                summary: "\(model.name): outcomes lag predictions by \(TimeSpan(seconds: Int64(outcomeLag))) (limit \(TimeSpan(seconds: Int64(limit))))",
                description: "The outcome log is far behind the prediction log: performance cannot be measured on recent patients. Check the feed that writes \(model.outcomesPath).")
        }
        return observations
    }

    /// By feature, the subgroups (`site=ED-1`) where it drifted while other values of the same
    /// subgroup attribute did not. When that holds for several attributes (a shift at one site
    /// also shows in one sex more than the other), the attribute with the largest drift wins.
    static func localizedDrift(in evaluation: Evaluation) -> [String: Set<String>] {
        var best: [String: (psi: Double, subgroups: Set<String>)] = [:]
        let byAttribute = Dictionary(grouping: evaluation.features.filter { $0.subgroup != nil }) { feature in
            "\(feature.name)|\(feature.subgroup!.split(separator: "=", maxSplits: 1).first ?? "")"
        }
        for features in byAttribute.values {
            let drifted = features.filter(\.drifted)
            guard !drifted.isEmpty, drifted.count < features.count, let name = drifted.first?.name else { continue }
            let psi = drifted.compactMap(\.psi).max() ?? 0
            if psi > best[name]?.psi ?? -1 { best[name] = (psi, Set(drifted.compactMap(\.subgroup))) }
        }
        return best.mapValues(\.subgroups)
    }

    /// Whether `key` can never be judged again under `model`'s configuration: a drift or data
    /// quality alert about a feature no longer configured, or a drift alert about a feature now
    /// listed in `ignore_drift`.
    static func isRetired(_ key: AlertKey, model: ModelConfig) -> Bool {
        guard let feature = key.feature, key.rule == .drift || key.rule == .dataQuality else { return false }
        let configured = model.features.map(\.name)
        return (!configured.isEmpty && !configured.contains(feature)) || (key.rule == .drift && model.ignoreDrift.contains(feature))
    }

    /// The silence check, judged on wall time between evaluations.
    static func silence(model: ModelConfig, secondsSinceLastPrediction: Double, now: Double) -> AlertObservation? {
        guard let limit = model.pipeline.silenceAfter else { return nil }
        let silent = TimeSpan(seconds: Int64(secondsSinceLastPrediction))
        return AlertObservation(
            key: AlertKey(model: model.name, rule: .pipeline, check: "silence"),
            breaching: secondsSinceLastPrediction > Double(limit.seconds), severity: .warning, version: nil,
            value: secondsSinceLastPrediction, threshold: Double(limit.seconds),
            summary: "\(model.name): no predictions for \(silent) (limit \(limit))",
            description: "vigild has read no prediction for this model for longer than silence_after: the serving application may be down, or writing to another file than \(model.predictionsPath).",
            timing: AlertTiming(fireAfter: 1, resolveAfter: 1), windowStart: nil, windowEnd: nil)
    }

    static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        return String(format: "%.2f", value)
    }

    /// A p-value as people read it: `0.03`, `2e-09`.
    static func format(p value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        if value == 0 { return "0" }
        return value >= 0.001 ? String(format: "%.3g", value) : String(format: "%.0e", value).replacingOccurrences(of: "e-0", with: "e-")
    }

    /// `p=0.03`, `p=2e-9`, or `p<1e-300` for a p-value that underflowed to 0.
    static func pEquals(_ value: Double?) -> String {
        value == 0 ? "p<1e-300" : "p=\(format(p: value))"
    }

    static func percent(_ share: Double) -> String {
        share >= 0.1 || share == 0 ? String(format: "%.0f%%", share * 100) : String(format: "%.1f%%", share * 100)
    }
}
