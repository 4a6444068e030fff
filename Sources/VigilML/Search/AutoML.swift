import Foundation
import VigilStats

/// What `vigil train` asks of the engine.
public struct TrainingRequest: Sendable {
    public var roles: ColumnRoles
    /// Wall-clock budget for the search; nil with `trials`.
    public var budgetSeconds: Double?
    /// A deterministic search of exactly this many candidates (the first is always run).
    public var trials: Int?
    public var seed: UInt64 = 1
    public var threads = 2
    public var folds = 5
    public var targetSensitivity: Double?
    /// One configuration instead of a search.
    public var fixed: LearnerConfiguration?
    /// Learners the search may use (nil: all).
    public var learners: Set<String>?
    /// Greedy ensemble selection over the best candidates' out-of-sample predictions.
    public var ensemble = false
    public var intendedUse: String?
    public var engineVersion = "VigilML"
    /// Called after each candidate (for a progress bar).
    public var progress: (@Sendable (TrainingProgress) -> Void)?

    public init(roles: ColumnRoles) { self.roles = roles }
}

/// Where a search stands.
public struct TrainingProgress: Sendable {
    public var candidates: Int
    public var elapsedSeconds: Double
    public var budgetSeconds: Double?
    public var trials: Int?
    public var bestAUROC: Double?
    public var best: String
}

/// Why training stopped without a model.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    case budgetTooShort(budget: Double, baselineSeconds: Double)
    case fitFailed(String)

    public var description: String {
        switch self {
        case .budgetTooShort(let budget, let baseline):
            "the budget of \(Self.seconds(budget)) is too short: even the baseline model took \(Self.seconds(baseline)) to validate"
        case .fitFailed(let reason): "fitting failed: \(reason)"
        }
    }

    static func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }
}

/// The result of training: the model file's document, and per-row predictions for checks.
public struct TrainingResult: Sendable {
    public var document: ModelDocument
    /// Each validated row's out-of-sample calibrated probability (cross-fitted calibration),
    /// nil for rows used only for fitting.
    public var outOfSample: [Double?]
    /// The final model's calibrated probability for every training row.
    public var fitted: [Double]
    /// Seconds spent: loading is the caller's; `search`, `final_fit` (binning and fitting the
    /// chosen model on all rows), `total`.
    public var timings: [String: Double]
    /// Wall-clock seconds per leaderboard entry (also in `--trials` runs).
    public var candidateSeconds: [Double]
}

/// The AutoML engine: validates candidates under a plan, picks one, calibrates it, chooses
/// its threshold, refits it on all rows, and records everything.
public enum AutoML {
    /// One evaluated candidate.
    struct Candidate {
        var configuration: LearnerConfiguration
        /// Out-of-sample probability per row of the plan's validated rows (NaN elsewhere).
        var predictions: [Double]
        var foldScores: [Double]
        var mean: Double
        var standardError: Double
        var seconds: Double
        /// Boosting rounds chosen by early stopping in each fit.
        var bestRounds: [Int]
    }

    public static func train(_ table: TrainingTable, request: TrainingRequest) throws(TrainingError) -> TrainingResult {
        let start = Date()
        var random = SeededGenerator(seed: request.seed)
        let plan = ValidationPlan.choose(for: table, roles: request.roles, folds: request.folds, budgetSeconds: request.budgetSeconds, random: &random)
        // Each fit's rows, sliced once for every candidate.
        let splits = plan.splits.map { Split(table, training: $0.training, validation: $0.validation) }
        let validated = plan.validatedRows
        let validatedLabels = validated.map { table.labels[$0] }
        let deadline = request.budgetSeconds.map { start.addingTimeInterval($0) }

        // Search.
        var candidates: [Candidate] = []
        var tried = Set<LearnerConfiguration>()
        var queue: [LearnerConfiguration] = request.fixed.map { [$0] }
            ?? SearchSpace.portfolio(rows: table.rowCount).filter { request.learners?.contains($0.learner) ?? true }
        if queue.isEmpty { throw .fitFailed("no learner left to try") }
        var lastSeconds: [String: Double] = [:]
        // Learners whose last fit no longer fits in the remaining budget.
        var tooSlow = Set<String>()
        var refillsWithoutProgress = 0
        while true {
            if let trials = request.trials, candidates.count >= trials { break }
            if let deadline, !candidates.isEmpty, deadline.timeIntervalSinceNow <= 0 { break }
            if queue.isEmpty {
                // Only a budgeted or counted search goes on past the portfolio.
                guard request.fixed == nil, !candidates.isEmpty, deadline != nil || request.trials != nil,
                      refillsWithoutProgress < 20 else { break }
                refillsWithoutProgress += 1
                queue = nextCandidates(after: candidates, tried: tried, random: &random).filter { !tooSlow.contains($0.learner) }
                if queue.isEmpty { break }
            }
            let configuration = queue.removeFirst()
            if tried.contains(configuration) { continue }
            if let deadline, !candidates.isEmpty {
                let remaining = deadline.timeIntervalSinceNow
                let expected = lastSeconds[configuration.learner] ?? 0
                // Keep time for the final fit of the best so far: about one of its validation
                // fits on all rows.
                let reserve = (candidates.map(\.seconds).max() ?? 0) / Double(splits.count) * 1.5
                if expected + reserve > remaining {
                    tooSlow.insert(configuration.learner)
                    continue
                }
            }
            tried.insert(configuration)
            let candidate = try evaluate(configuration, table: table, plan: plan, splits: splits, request: request, random: &random)
            refillsWithoutProgress = 0
            lastSeconds[configuration.learner] = candidate.seconds
            candidates.append(candidate)
            if candidates.count == 1, let budget = request.budgetSeconds, Date().timeIntervalSince(start) > budget {
                throw .budgetTooShort(budget: budget, baselineSeconds: candidate.seconds)
            }
            let best = candidates.max { $0.mean < $1.mean }!
            request.progress?(TrainingProgress(candidates: candidates.count, elapsedSeconds: Date().timeIntervalSince(start),
                                               budgetSeconds: request.budgetSeconds, trials: request.trials,
                                               bestAUROC: best.mean.isFinite ? best.mean : nil, best: best.configuration.description))
        }
        let searchSeconds = Date().timeIntervalSince(start)

        // Choice: the simplest candidate within one standard error of the best.
        let ranked = candidates.enumerated().sorted { a, b in
            a.element.mean != b.element.mean ? a.element.mean > b.element.mean : a.offset < b.offset
        }.map(\.element)
        let best = ranked[0]
        let tolerance = best.standardError.isFinite ? best.standardError : 0
        let chosen = ranked.filter { $0.mean >= best.mean - tolerance }
            .min { $0.configuration.complexity != $1.configuration.complexity ? $0.configuration.complexity < $1.configuration.complexity : $0.mean > $1.mean }!

        // Optional ensemble over the best candidates' out-of-sample predictions.
        var members: [(weight: Double, candidate: Candidate)] = [(1, chosen)]
        var ensembleNote: String?
        if request.ensemble, ranked.count > 1 {
            let (weights, score) = greedyEnsemble(Array(ranked.prefix(5)), rows: validated, labels: validatedLabels)
            if score > chosen.mean + tolerance {
                members = zip(weights, ranked.prefix(5)).filter { $0.0 > 0 }.map { ($0.0, $0.1) }
                ensembleNote = "ensemble of \(members.count) (validation AUROC \(String(format: "%.4f", score)))"
            }
        }
        var outOfSample = [Double](repeating: 0, count: validated.count)
        let totalWeight = members.reduce(0) { $0 + $1.weight }
        for member in members {
            for (index, row) in validated.enumerated() { outOfSample[index] += member.weight * member.candidate.predictions[row] / totalWeight }
        }

        // Calibration and threshold on out-of-sample predictions.
        let calibration = CalibrationChoice.choose(probabilities: outOfSample, labels: validatedLabels, random: &random)
        let operatingPoint = OperatingPoint.choose(labels: validatedLabels, probabilities: calibration.crossFitted,
                                                   targetSensitivity: request.targetSensitivity)
        let validation = ValidationSummary(
            scheme: plan.description, labels: validatedLabels, probabilities: calibration.crossFitted, operatingPoint: operatingPoint,
            subgroups: table.subgroups.map { subgroup in (subgroup.name, validated.map { subgroup.values[$0] }) })

        // Final fit on all rows.
        let finalStart = Date()
        var fittedMembers: [ModelDocument.Member] = []
        for (index, member) in members.enumerated() {
            let configuration = refitConfiguration(member.candidate)
            do {
                let pipeline = try FittedPipeline.fit(configuration, features: table.features, labels: table.labels,
                                                      threads: request.threads, seed: request.seed &+ UInt64(index))
                fittedMembers.append(ModelDocument.Member(weight: member.weight, pipeline: pipeline))
            } catch {
                throw .fitFailed("\(configuration): \(error)")
            }
        }
        let finalSeconds = Date().timeIntervalSince(finalStart)

        let leaderboard = ranked.enumerated().map { rank, candidate in
            LeaderboardEntry(rank: rank + 1, learner: candidate.configuration.learner, configuration: candidate.configuration,
                             hyperparameters: candidate.configuration.settings.map { "\($0.0)=\($0.1)" }.joined(separator: " "),
                             metricMean: candidate.mean.isFinite ? candidate.mean : nil,
                             metricSD: candidate.foldScores.count > 1 ? standardDeviation(candidate.foldScores) : nil,
                             fitSeconds: request.trials == nil ? candidate.seconds : nil,
                             note: candidate.configuration == chosen.configuration
                                ? (ensembleNote ?? (chosen.configuration == best.configuration ? "chosen" : "chosen: simplest within one standard error of the best"))
                                : nil)
        }
        let document = ModelDocument(
            engine: request.engineVersion,
            features: table.features.map { ModelDocument.FeatureSpec(name: $0.name, kind: $0.kind) },
            members: fittedMembers,
            calibration: ModelDocument.CalibrationRecord(method: calibration.calibrator.method, calibrator: calibration.calibrator,
                                                         logLoss: calibration.logLoss.filter { $0.value.isFinite }),
            operatingPoint: operatingPoint, validation: validation, leaderboard: leaderboard,
            chosen: ensembleNote ?? refitConfiguration(chosen).description,
            reference: referenceProfile(table.features), data: dataSummary(table, roles: request.roles),
            search: ModelDocument.SearchRecord(seed: request.seed, budgetSeconds: request.budgetSeconds, trials: request.trials,
                                               candidatesEvaluated: candidates.count, metric: "auroc"),
            intendedUse: request.intendedUse)
        let model = TrainedModel(document)
        var sample = [Double?](repeating: nil, count: table.rowCount)
        for (index, row) in validated.enumerated() { sample[row] = calibration.crossFitted[index] }
        return TrainingResult(document: document, outOfSample: sample, fitted: model.probabilities(table.features),
                              timings: ["search": searchSeconds, "final_fit": finalSeconds, "total": Date().timeIntervalSince(start)],
                              candidateSeconds: ranked.map(\.seconds))
    }

    /// One fit of a validation plan: the rows it learns from and the rows it predicts, with
    /// their features and labels.
    struct Split {
        var validation: [Int]
        var trainingFeatures: [FeatureColumn]
        var trainingLabels: [Bool]
        var validationFeatures: [FeatureColumn]
        var validationLabels: [Bool]

        init(_ table: TrainingTable, training: [Int], validation: [Int]) {
            self.validation = validation
            trainingFeatures = table.features.map { $0.selecting(rows: training) }
            trainingLabels = training.map { table.labels[$0] }
            validationFeatures = table.features.map { $0.selecting(rows: validation) }
            validationLabels = validation.map { table.labels[$0] }
        }
    }

    /// Validates one configuration under the plan.
    static func evaluate(_ configuration: LearnerConfiguration, table: TrainingTable, plan: ValidationPlan, splits: [Split],
                         request: TrainingRequest, random: inout SeededGenerator) throws(TrainingError) -> Candidate {
        let start = Date()
        var predictions = [Double](repeating: .nan, count: table.rowCount)
        var scores: [Double] = []
        var bestRounds: [Int] = []
        let seed = random.next()
        for split in splits {
            let pipeline: FittedPipeline
            do {
                pipeline = try FittedPipeline.fit(configuration, features: split.trainingFeatures, labels: split.trainingLabels,
                                                  threads: request.threads, seed: seed)
            } catch {
                throw .fitFailed("\(configuration): \(error)")
            }
            if case .boostedTrees(let trees) = pipeline.model { bestRounds.append(trees.bestRound) }
            let probabilities = pipeline.probabilities(split.validationFeatures)
            for (row, probability) in zip(split.validation, probabilities) { predictions[row] = probability }
            scores.append(ROC.auroc(labels: split.validationLabels, scores: probabilities).value ?? .nan)
        }
        let finite = scores.filter(\.isFinite)
        let mean = finite.isEmpty ? -Double.infinity : finite.reduce(0, +) / Double(finite.count)
        var standardError: Double
        if finite.count > 1 {
            standardError = standardDeviation(finite) / Double(finite.count).squareRoot()
        } else {
            let rows = plan.validatedRows
            let interval = ROC.deLongInterval(labels: rows.map { table.labels[$0] }, scores: rows.map { predictions[$0] }).value
            standardError = interval.map { ($0.upper - $0.lower) / (2 * ROC.z975) } ?? 0
        }
        return Candidate(configuration: configuration, predictions: predictions, foldScores: scores, mean: mean,
                         standardError: standardError, seconds: Date().timeIntervalSince(start), bestRounds: bestRounds)
    }

    /// The configuration refitted on all rows: boosting runs the rounds early stopping chose
    /// in validation (their mean, a tenth more for the larger data), without stopping.
    static func refitConfiguration(_ candidate: Candidate) -> LearnerConfiguration {
        guard case .boostedTrees(var parameters) = candidate.configuration, parameters.earlyStoppingRounds != nil,
              !candidate.bestRounds.isEmpty else { return candidate.configuration }
        let mean = Double(candidate.bestRounds.reduce(0, +)) / Double(candidate.bestRounds.count)
        parameters.rounds = max(1, Int((mean * 1.1).rounded()))
        parameters.earlyStoppingRounds = nil
        return .boostedTrees(parameters)
    }

    /// What to try once the queue is empty: the untried neighbours of the best of each learner,
    /// best learner first; when there are none, random restarts (two in the best learner, one
    /// in each other).
    static func nextCandidates(after candidates: [Candidate], tried: Set<LearnerConfiguration>,
                               random: inout SeededGenerator) -> [LearnerConfiguration] {
        let families = bestPerFamily(candidates)
        var next: [LearnerConfiguration] = []
        for family in families {
            next.append(contentsOf: SearchSpace.neighbours(of: family.configuration).filter { !tried.contains($0) && !next.contains($0) })
        }
        if next.isEmpty {
            for (index, family) in families.enumerated() {
                for _ in 0..<(index == 0 ? 2 : 1) { next.append(SearchSpace.randomConfiguration(like: family.configuration, random: &random)) }
            }
        }
        return next
    }

    /// The best candidate of each learner, best first.
    static func bestPerFamily(_ candidates: [Candidate]) -> [Candidate] {
        var best: [String: Candidate] = [:]
        for candidate in candidates where candidate.mean > (best[candidate.configuration.learner]?.mean ?? -.infinity) {
            best[candidate.configuration.learner] = candidate
        }
        return best.values.sorted { $0.mean != $1.mean ? $0.mean > $1.mean : $0.configuration.learner < $1.configuration.learner }
    }

    /// Caruana et al.'s ensemble selection: repeatedly add (with replacement) the candidate
    /// that most improves the validation AUROC of the averaged predictions; weights are counts.
    static func greedyEnsemble(_ candidates: [Candidate], rows: [Int], labels: [Bool]) -> ([Double], Double) {
        var counts = [Double](repeating: 0, count: candidates.count)
        var sum = [Double](repeating: 0, count: rows.count)
        var bestScore = -Double.infinity
        for _ in 0..<20 {
            var stepBest = -Double.infinity
            var stepIndex = 0
            let size = counts.reduce(0, +) + 1
            for (index, candidate) in candidates.enumerated() {
                let trial = rows.indices.map { (sum[$0] + candidate.predictions[rows[$0]]) / size }
                let score = ROC.auroc(labels: labels, scores: trial).value ?? -.infinity
                if score > stepBest { stepBest = score; stepIndex = index }
            }
            if stepBest <= bestScore && counts.reduce(0, +) > 0 { break }
            bestScore = max(bestScore, stepBest)
            counts[stepIndex] += 1
            for index in rows.indices { sum[index] += candidates[stepIndex].predictions[rows[index]] }
        }
        return (counts, bestScore)
    }

    static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    /// The training data's reference profile, for drift monitoring of the deployed model.
    static func referenceProfile(_ features: [FeatureColumn]) -> ReferenceProfile {
        ReferenceProfile(columns: features.map { feature in
            feature.kind == .categorical
                ? .categorical(CategoricalReferenceProfile(name: feature.name, values: feature.categories))
                : .numeric(NumericReferenceProfile(name: feature.name, values: feature.numbers, maximumStoredValues: 10_000))
        })
    }

    static func dataSummary(_ table: TrainingTable, roles: ColumnRoles) -> ModelDocument.DataSummary {
        var missing: [String: Double] = [:]
        for feature in table.features {
            let count = (0..<feature.rowCount).reduce(0) { $0 + (feature.isMissing($1) ? 1 : 0) }
            missing[feature.name] = Double(count) / Double(max(feature.rowCount, 1))
        }
        return ModelDocument.DataSummary(sha256: table.sourceSHA256, rows: table.rowCount, positives: table.positiveCount,
                                         prevalence: Double(table.positiveCount) / Double(max(table.rowCount, 1)), roles: roles,
                                         missingShares: missing, warnings: table.warnings)
    }
}
