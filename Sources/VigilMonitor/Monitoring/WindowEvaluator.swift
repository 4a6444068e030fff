import VigilStats

/// Recent predictions with their observed outcomes: what rolling performance is computed on.
struct LabeledSample: Sendable, Equatable {
    var scores: [Double] = []
    var labels: [Bool] = []
    /// Per row, its values of the model's subgroup attributes (in `subgroupNames` order).
    var subgroups: [[String?]] = []
    var subgroupNames: [String] = []

    var count: Int { scores.count }

    func rows(whereSubgroup index: Int, is value: String) -> LabeledSample {
        var subset = LabeledSample(subgroupNames: subgroupNames)
        for row in subgroups.indices where subgroups[row].indices.contains(index) && subgroups[row][index] == value {
            subset.scores.append(scores[row])
            subset.labels.append(labels[row])
            subset.subgroups.append(subgroups[row])
        }
        return subset
    }
}

/// Computes a model's evaluations from a window, its reference and recent labeled outcomes.
/// Pure: reads nothing and writes nothing, so every number can be checked in tests.
struct WindowEvaluator {
    let model: ModelConfig

    /// A closed window's evaluation.
    func evaluate(
        window: WindowData, seq: Int64, start: Double?, end: Double?, quarantined: Int,
        reference: ModelReference?, labeled: LabeledSample, now: Double
    ) -> Evaluation {
        var notes: [String] = []
        var evaluation = Evaluation(
            kind: .window, model: model.name, version: window.mostFrequentVersion, windowSeq: seq,
            windowStart: start.map { RFC3339Timestamp.string(fromUnixSeconds: $0) }, windowEnd: end.map { RFC3339Timestamp.string(fromUnixSeconds: $0) },
            evaluatedAt: RFC3339Timestamp.string(fromUnixSeconds: now), n: window.count, reference: reference?.source,
            driftedShare: nil, features: [], score: nil, volume: nil, quarantined: quarantined,
            quarantineRate: window.count + quarantined > 0 ? Double(quarantined) / Double(window.count + quarantined) : nil,
            unknownFeatures: nil, performance: nil, subgroups: [], notes: [])

        if let start, let end, end > start {
            let hours = (end - start) / 3_600
            evaluation.volume = VolumeEvaluation(predictions: window.count, hours: hours, perHour: Double(window.count) / hours)
        } else {
            evaluation.volume = VolumeEvaluation(predictions: window.count, hours: nil, perHour: nil)
        }

        if reference == nil {
            notes.append("drift not evaluated: the model has no reference yet (set reference: in its config, or its first window becomes the baseline)")
        }

        // Subgroups: drift against the subgroup's own reference, performance on its outcomes.
        // `count` is the value's rows in the window (0 for a value only among the outcomes).
        var slices: [(index: Int, name: String, value: String, count: Int, hasReference: Bool)] = []
        for (index, name) in model.subgroups.enumerated() where index < window.subgroups.count {
            let hasReference = reference?.subgroupNames.contains(name) ?? false
            if reference != nil, !hasReference {
                notes.append("drift within \(name) not evaluated: the reference has no \(name) column")
            }
            var values = window.subgroupCounts(index)
            for value in labeled.subgroupCounts(index) where !values.contains(where: { $0.value == value }) { values.append((value, 0)) }
            slices += values.map { (index, name, $0.value, $0.count, hasReference) }
        }

        // Every independent piece in one pool on two threads: the scores (output drift and
        // performance), each subgroup value, and each feature over the whole window. The longest
        // pieces go first, so that the two threads finish close together: the scores take a few
        // times a feature's time, a subgroup value with drift many times (and one without little).
        enum Piece: Sendable {
            case feature(ColumnDrift, outOfRange: Double?)
            case subgroup(SubgroupEvaluation, [FeatureEvaluation])
            case scores(ScoreEvaluation?, PerformanceEvaluation)
        }
        let overall = reference?.overall.columns ?? []
        let evaluator = self
        let pieces = ParallelWork.map(1 + slices.count + overall.count) { [slices] job -> Piece in
            if job == 0 {
                var score: ScoreEvaluation?
                if let scores = reference?.scores {
                    let drift = NumericWindow(values: window.scores).evaluate(against: scores)
                    score = ScoreEvaluation(
                        psi: drift.psi, ksStatistic: drift.ksStatistic, ksPValue: drift.ksPValue,
                        mean: Self.mean(window.scores), referenceMean: scores.mean)
                }
                return .scores(score, evaluator.performance(labeled: labeled, windowScores: window.scores))
            }
            if job <= slices.count {
                let slice = slices[job - 1]
                let (entry, features) = evaluator.evaluateSubgroup(
                    index: slice.index, name: slice.name, value: slice.value, count: slice.count,
                    profile: slice.hasReference ? reference?.subgroups["\(slice.name)=\(slice.value)"] : nil,
                    hasReference: slice.hasReference, window: window, labeled: labeled)
                return .subgroup(entry, features)
            }
            let (drift, outOfRange) = evaluator.columnDrift(overall[job - 1 - slices.count], in: window)
            return .feature(drift, outOfRange: outOfRange)
        }
        var drifts: [ColumnDrift] = []
        var outOfRange: [Double?] = []
        for piece in pieces {
            switch piece {
            case .feature(let drift, let share):
                drifts.append(drift)
                outOfRange.append(share)
            case .subgroup(let entry, let features):
                evaluation.subgroups.append(entry)
                evaluation.features += features
            case .scores(let score, let performance):
                evaluation.score = score
                evaluation.performance = performance
            }
        }
        if reference != nil {
            let (features, share) = featureEvaluations(of: drifts, outOfRange: outOfRange, subgroup: nil)
            evaluation.features = features + evaluation.features
            evaluation.driftedShare = share
        }
        evaluation.notes = notes
        return evaluation
    }

    /// One subgroup value's drift (against its own reference) and performance; `count` is the
    /// value's rows in the window, already counted to find the values.
    private func evaluateSubgroup(
        index: Int, name: String, value: String, count: Int, profile: ReferenceProfile?, hasReference: Bool,
        window: WindowData, labeled: LabeledSample
    ) -> (subgroup: SubgroupEvaluation, features: [FeatureEvaluation]) {
        let label = "\(name)=\(value)"
        var entry = SubgroupEvaluation(name: name, value: value, n: count, outcomes: 0, driftedFeatures: [])
        var features: [FeatureEvaluation] = []
        var skipped: [String] = []
        if let profile {
            if count >= ModelReference.minimumSubgroupRows {
                let rows = window.rows(whereSubgroup: index, is: value)
                // Within site=ED-1 the feature `site` is constant: leave it out.
                let others = ReferenceProfile(columns: profile.columns.filter { $0.name != name })
                (features, _) = drift(of: rows, against: others, subgroup: label)
                entry.driftPSIMax = features.compactMap(\.psi).max()
                entry.driftedFeatures = features.filter(\.drifted).map(\.name)
            } else {
                skipped.append("drift: \(count) predictions in the window, fewer than \(ModelReference.minimumSubgroupRows)")
            }
        } else if hasReference {
            skipped.append("drift: the reference has fewer than \(ModelReference.minimumSubgroupRows) rows of \(label)")
        }
        if let reason = addPerformance(of: labeled.rows(whereSubgroup: index, is: value), to: &entry) { skipped.append(reason) }
        entry.skipped = skipped.isEmpty ? nil : skipped.joined(separator: "; ")
        return (entry, features)
    }

    /// Fills in a subgroup's performance on its joined outcomes; returns why it was skipped, if it was.
    private func addPerformance(of outcomes: LabeledSample, to entry: inout SubgroupEvaluation) -> String? {
        entry.outcomes = outcomes.count
        // Only the metrics a subgroup reports.
        guard outcomes.count >= model.performance.minOutcomes, let metrics = try? MetricsReport(
            labels: outcomes.labels, scores: outcomes.scores, threshold: model.performance.threshold,
            parts: [.discrimination, .expectedCalibrationError]) else {
            return "performance: \(outcomes.count) joined outcomes, fewer than min_outcomes (\(model.performance.minOutcomes))"
        }
        entry.auroc = metrics.auroc.value
        entry.aurocCI = metrics.aurocInterval.value.map { [$0.lower, $0.upper] }
        entry.ece = metrics.expectedCalibrationError.value
        entry.sensitivity = metrics.sensitivity.value
        return nil
    }

    /// A performance-only evaluation, when late outcomes have arrived since the last one.
    func evaluatePerformance(labeled: LabeledSample, version: String?, now: Double) -> Evaluation {
        var evaluation = Evaluation(
            kind: .performance, model: model.name, version: version, windowSeq: nil, windowStart: nil, windowEnd: nil,
            evaluatedAt: RFC3339Timestamp.string(fromUnixSeconds: now), n: labeled.count, reference: nil, driftedShare: nil,
            features: [], score: nil, volume: nil, quarantined: nil, quarantineRate: nil, unknownFeatures: nil,
            performance: performance(labeled: labeled, windowScores: nil), subgroups: [], notes: [])
        for (index, name) in model.subgroups.enumerated() {
            for value in labeled.subgroupCounts(index) {
                var entry = SubgroupEvaluation(name: name, value: value, n: 0, outcomes: 0, driftedFeatures: [])
                entry.skipped = addPerformance(of: labeled.rows(whereSubgroup: index, is: value), to: &entry)
                evaluation.subgroups.append(entry)
            }
        }
        return evaluation
    }

    /// One feature of `window` against its reference column, with the share of the feature's
    /// present values outside the reference's range (numeric features, when both have values),
    /// counted here, in the feature's job, rather than after the pool.
    private func columnDrift(_ reference: ColumnProfile, in window: WindowData) -> (ColumnDrift, outOfRange: Double?) {
        switch reference {
        case .numeric(let profile):
            let column = window.layout.numeric.firstIndex(of: profile.name).map { NumericWindow(values: window.numeric[$0]) } ?? NumericWindow()
            var outOfRange: Double?
            if let low = profile.minimum, let high = profile.maximum, !column.values.isEmpty {
                outOfRange = Double(column.values.count { $0 < low || $0 > high }) / Double(column.values.count)
            }
            return (column.evaluate(against: profile), outOfRange)
        case .categorical(let profile):
            let column = window.layout.categorical.firstIndex(of: profile.name).map { CategoricalWindow(values: window.categorical[$0]) } ?? CategoricalWindow()
            return (column.evaluate(against: profile), nil)
        }
    }

    /// Each feature of `window` against `profile`, with BH adjustment across the features.
    private func drift(of window: WindowData, against profile: ReferenceProfile, subgroup: String?) -> ([FeatureEvaluation], Double) {
        var drifts: [ColumnDrift] = []
        var outOfRange: [Double?] = []
        for column in profile.columns {
            let (drift, share) = columnDrift(column, in: window)
            drifts.append(drift)
            outOfRange.append(share)
        }
        return featureEvaluations(of: drifts, outOfRange: outOfRange, subgroup: subgroup)
    }

    /// The features' evaluations from their drifts and out-of-range shares (aligned by index):
    /// BH adjustment and decision.
    private func featureEvaluations(of drifts: [ColumnDrift], outOfRange: [Double?], subgroup: String?) -> ([FeatureEvaluation], Double) {
        let report = DriftReport(columns: drifts, configuration: model.drift.decision)
        let features = zip(report.columns, outOfRange).map { column, outOfRange -> FeatureEvaluation in
            FeatureEvaluation(
                name: column.name, type: column.type, subgroup: subgroup, n: column.currentCount,
                psi: column.psi, ksStatistic: column.ksStatistic, ksPValue: column.ksPValue,
                ksPValueAdjusted: column.ksPValueAdjusted, wasserstein: column.wasserstein,
                jensenShannon: column.jensenShannon, chi2: column.chiSquare, chi2PValue: column.chiSquarePValue,
                missingShare: column.currentMissingShare, referenceMissingShare: column.referenceMissingShare,
                unseenShare: column.unseenShare, outOfRangeShare: outOfRange, drifted: column.isDrifted,
                ignored: model.ignoreDrift.contains(column.name))
        }
        return (features, report.driftedShare)
    }

    private func performance(labeled: LabeledSample, windowScores: [Double]?) -> PerformanceEvaluation {
        let rules = model.performance
        var result = PerformanceEvaluation(n: labeled.count, positives: labeled.labels.count { $0 }, threshold: rules.threshold)
        if labeled.count < rules.minOutcomes {
            result.skipped = "\(labeled.count) joined outcomes, fewer than min_outcomes (\(rules.minOutcomes))"
        } else if let metrics = try? MetricsReport(
            labels: labeled.labels, scores: labeled.scores, threshold: rules.threshold,
            parts: [.discrimination, .averagePrecision, .brierScore, .expectedCalibrationError]) {
            result.auroc = metrics.auroc.value
            result.aurocCI = metrics.aurocInterval.value.map { [$0.lower, $0.upper] }
            result.averagePrecision = metrics.averagePrecision.value
            result.brier = metrics.brierScore.value
            result.ece = metrics.expectedCalibrationError.value
            result.sensitivity = metrics.sensitivity.value
            result.specificity = metrics.specificity.value
            result.ppv = metrics.positivePredictiveValue.value
            result.skipped = metrics.auroc.undefinedReason
        }
        if let windowScores {
            let estimate = LabelFreeEstimate(scores: windowScores, threshold: rules.threshold)
            result.estimatedN = estimate.count
            result.estimatedAUROC = estimate.auroc.value
            result.estimatedSensitivity = estimate.sensitivity.value
            result.estimatedSpecificity = estimate.specificity.value
            result.estimatedPPV = estimate.positivePredictiveValue.value
        }
        return result
    }

    private static func mean(_ values: [Double]) -> Double? {
        let present = values.filter { !$0.isNaN }
        return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
    }
}

extension LabeledSample {
    /// Each value of subgroup `index` among the rows, most frequent first.
    func subgroupCounts(_ index: Int) -> [String] {
        var counter = CategoryCounter()
        for row in subgroups where row.indices.contains(index) {
            if let value = row[index] { counter.add(value) }
        }
        return WindowData.byFrequency(counter).map(\.value)
    }
}
