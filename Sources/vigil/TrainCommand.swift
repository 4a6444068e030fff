import ArgumentParser
import Foundation
import VigilML
import VigilStats
import VigilMonitor
import VigilSystemd

/// `vigil train`: the bundled AutoML engine, from a labeled table to a calibrated model file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a calibrated clinical model from a labeled CSV or JSON Lines table.",
        discussion: """
            Searches logistic regression (L2, L1), gradient-boosted trees, random forests and extra \
            trees under a wall-clock --budget (default 60s) or a fixed number of --trials \
            (deterministic: same data, seed and trials give a byte-identical model file). \
            Validation: stratified 5-fold cross-validation; group k-fold with --group; with --time, \
            the most recent 20% held out. Tables over 100,000 rows, or over 200,000 cells (rows × \
            features) per second of budget, use one holdout of 20% instead of folds. The chosen model is the \
            simplest within one standard error of the best AUROC; it is calibrated (Platt or \
            isotonic, whichever has the lower out-of-sample log-loss), given an operating \
            threshold (Youden's J, or --target-sensitivity), and refitted on all rows.
            Exit status: 0 on success, 64 for a usage error, 65 for unusable data (one class, \
            fewer than 20 rows of a class, a non-binary target, no usable feature, a budget too \
            short for the baseline), 66 for a missing file.
            """)

    @Option(help: "The labeled table (.csv, or .jsonl / .json for JSON Lines).")
    var data: String
    @Option(help: "The binary outcome column: 0/1, true/false, or two values with --positive.")
    var target: String
    @Option(help: "The --target value that means positive.")
    var positive: String?
    @Option(help: "A row id column (not a feature).")
    var id: String?
    @Option(help: "A patient (group) id column: all rows of a group fall in the same fold.")
    var group: String?
    @Option(help: "An event time column (RFC 3339 or Unix seconds): validate on the most recent 20%.")
    var time: String?
    @Flag(help: "Use the --time column as a feature too.")
    var timeAsFeature = false
    @Option(help: "Comma-separated columns to leave out.")
    var ignore: String?
    @Option(help: "Comma-separated columns to report validation results for, per value.")
    var subgroups: String?
    @Option(help: "Comma-separated type overrides, e.g. ward=categorical,flag=boolean.")
    var type: String?
    @Option(help: "Wall-clock budget for the search, e.g. 60s or 5m (default 60s unless --trials).")
    var budget: String?
    @Option(help: "Evaluate exactly this many candidates (deterministic).")
    var trials: Int?
    @Option(help: "Seed for folds, sampling and the search.")
    var seed: UInt64 = 1
    @Option(help: "Threads for fitting (default: the available cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Folds of cross-validation.")
    var folds: Int = 5
    @Option(help: "Choose the highest threshold with at least this out-of-sample sensitivity.")
    var targetSensitivity: Double?
    @Option(help: "Fit one configuration instead of searching, e.g. 'gbdt:rounds=100,leaves=31,learning_rate=0.1'.")
    var fixed: String?
    @Option(help: "Comma-separated learners the search may use (gbdt, random_forest, extra_trees, logistic_l2, logistic_l1).")
    var learners: String?
    @Flag(help: "Try a greedy ensemble of the best candidates; kept only if it beats the chosen model by more than noise.")
    var ensemble = false
    @Option(help: "Text for the model card's intended-use section.")
    var intendedUse: String?
    @Option(help: "Where to write the model file.")
    var out: String = "model.json"
    @Option(help: "Where to write the model card (Markdown).")
    var report: String?
    @Option(help: "Write each row's out-of-sample and final-model probabilities to this CSV.")
    var predictions: String?
    @Flag(help: "Print a JSON summary (with timings) on standard output.")
    var json = false
    @Option(help: ArgumentHelp("Exit when this process (vigild, which started the training) dies.", visibility: .hidden))
    var parentPid: Int32?
    @Option(help: ArgumentHelp("Testing the gates: shuffle the target column with this seed first, so the model learns nothing.", visibility: .hidden))
    var shuffleTarget: UInt64?

    func validate() throws {
        if budget != nil && trials != nil { throw ValidationError("give --budget or --trials, not both") }
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1") }
        if let budget, Self.seconds(budget) == nil { throw ValidationError("--budget \(budget) is not a duration like 60s or 5m") }
        if let targetSensitivity, !(targetSensitivity > 0 && targetSensitivity <= 1) {
            throw ValidationError("--target-sensitivity must be in (0, 1]")
        }
        if folds < 2 { throw ValidationError("--folds must be at least 2") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Seconds in `60s`, `5m`, `1h` or a plain number of seconds.
    static func seconds(_ text: String) -> Double? {
        if let plain = Double(text), plain > 0 { return plain }
        guard let span = TimeSpan(parsing: text), span.seconds > 0 else { return nil }
        return Double(span.seconds)
    }

    func run() throws {
        if let parentPid {
            // Killed with vigild: a retraining must not outlive the daemon that will judge it.
            guard ParentDeath.killThisProcess(whenParentExits: parentPid) else { throw ExitCode(75) }
        }
        try reportingFailures {
            let loadStart = Date()
            var raw = try CommandSupport.loadRawTable(data)
            if let shuffleTarget, let column = raw.columnIndex(named: target) {
                var generator = SeededGenerator(seed: shuffleTarget)
                raw.columns[column].shuffle(using: &generator)
            }
            var types: [String: FeatureKind] = [:]
            for item in CommandSupport.splitList(type ?? "") {
                let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, let kind = FeatureKind(rawValue: pair[1]) else {
                    throw CommandFailure(exitCode: StartupFailure.usage, lines: ["--type \(item): expected column=numeric|categorical|boolean"])
                }
                types[pair[0]] = kind
            }
            let roles = ColumnRoles(target: target, positive: positive, id: id, group: group, time: time, timeAsFeature: timeAsFeature,
                                    ignore: CommandSupport.splitList(ignore ?? ""), subgroups: CommandSupport.splitList(subgroups ?? ""),
                                    types: types)
            let table: TrainingTable
            do {
                table = try TrainingTable(raw, roles: roles)
            } catch {
                throw CommandFailure(exitCode: StartupFailure.dataError, lines: ["\(data): \(error)"])
            }
            let loadSeconds = Date().timeIntervalSince(loadStart)

            var request = TrainingRequest(roles: roles)
            request.trials = trials
            request.budgetSeconds = trials == nil ? Self.seconds(budget ?? "60s") : nil
            request.seed = seed
            request.threads = threads
            request.folds = folds
            request.targetSensitivity = targetSensitivity
            request.ensemble = ensemble
            request.intendedUse = intendedUse
            request.engineVersion = "vigil \(VigilVersion.current)"
            if let fixed {
                do {
                    request.fixed = try LearnerConfiguration(parsing: fixed)
                } catch {
                    throw CommandFailure(exitCode: StartupFailure.usage, lines: ["--fixed \(error)"])
                }
            }
            if let learners { request.learners = Set(CommandSupport.splitList(learners)) }
            let bar = isatty(2) == 1 ? ProgressBar() : nil
            if let bar { request.progress = { bar.show($0) } }

            let result: TrainingResult
            do {
                result = try AutoML.train(table, request: request)
            } catch {
                bar?.finish()
                throw CommandFailure(exitCode: StartupFailure.dataError, lines: ["\(error)"])
            }
            bar?.finish()
            try ModelFile.write(result.document, to: out)
            if let report {
                let card = ModelCard.markdown(result.document, candidateSeconds: result.candidateSeconds)
                do { try card.write(toFile: report, atomically: true, encoding: .utf8) } catch {
                    throw CommandFailure(exitCode: StartupFailure.cannotCreate, lines: ["\(report): \(error.localizedDescription)"])
                }
            }
            if let predictions { try writePredictions(result, table: table, to: predictions) }
            try printSummary(result, rows: table.rowCount, loadSeconds: loadSeconds)
        }
    }

    private func writePredictions(_ result: TrainingResult, table: TrainingTable, to path: String) throws {
        var text = "row,id,out_of_sample,fitted\n"
        for row in 0..<table.rowCount {
            let id = table.ids?[row] ?? ""
            let sample = result.outOfSample[row].map { "\($0)" } ?? ""
            text += "\(row + 1),\(CSVWriting.field(id)),\(sample),\(result.fitted[row])\n"
        }
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw CommandFailure(exitCode: StartupFailure.cannotCreate, lines: ["\(path): \(error.localizedDescription)"])
        }
    }

    private func printSummary(_ result: TrainingResult, rows: Int, loadSeconds: Double) throws {
        let document = result.document
        let validation = document.validation
        if json {
            struct Summary: Encodable {
                var model: String, rows: Int, chosen: String, calibration: String, threshold: Double
                var validation_auroc: Double?, validation_scheme: String, candidates: Int
                var load_seconds: Double, fit_seconds: Double, search_seconds: Double, total_seconds: Double
            }
            try printJSON(Summary(model: out, rows: rows, chosen: document.chosen, calibration: document.calibration.method,
                                  threshold: document.operatingPoint.threshold, validation_auroc: validation.auroc,
                                  validation_scheme: validation.scheme, candidates: document.search.candidatesEvaluated,
                                  load_seconds: loadSeconds, fit_seconds: result.timings["final_fit"] ?? 0,
                                  search_seconds: result.timings["search"] ?? 0, total_seconds: loadSeconds + (result.timings["total"] ?? 0)))
            return
        }
        func number(_ value: Double?, _ digits: Int = 4) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        print("model:        \(out)")
        print("chosen:       \(document.chosen) (\(document.search.candidatesEvaluated) candidates)")
        print("validation:   \(validation.scheme)")
        print("AUROC:        \(number(validation.auroc)) [\(number(validation.aurocLower)), \(number(validation.aurocUpper))]")
        print("calibration:  \(document.calibration.method)")
        let point = document.operatingPoint
        print("threshold:    \(number(point.threshold)) (\(point.rule)): sensitivity \(number(point.sensitivity.value, 3)), specificity \(number(point.specificity.value, 3)), PPV \(number(point.positivePredictiveValue.value, 3))")
        for warning in document.data.warnings { print("warning:      \(warning)") }
        if let report { print("model card:   \(report)") }
    }
}

/// A progress bar on a terminal's stderr: elapsed share of the budget (or trials), candidates,
/// and the best validation AUROC so far.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()

    func show(_ progress: TrainingProgress) {
        lock.lock()
        defer { lock.unlock() }
        let share: Double
        if let budget = progress.budgetSeconds { share = min(1, progress.elapsedSeconds / budget) } else if let trials = progress.trials {
            share = min(1, Double(progress.candidates) / Double(trials))
        } else { share = 0 }
        let width = 24
        let filled = Int(share * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let best = progress.bestAUROC.map { String(format: "%.4f", $0) } ?? "n/a"
        let line = "\r[\(bar)] \(String(format: "%5.1f", progress.elapsedSeconds)) s  \(progress.candidates) candidate\(progress.candidates == 1 ? "" : "s")  best AUROC \(best)  \(progress.best.prefix(60))"
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}

/// Quoting of CSV fields that need it (RFC 4180).
enum CSVWriting {
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
