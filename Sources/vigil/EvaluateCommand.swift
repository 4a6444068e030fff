import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil evaluate MODEL --predictions FILE [--outcomes FILE]`: one window, evaluated offline.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a file of predictions (and outcomes) against a model's reference, as vigild evaluates a window.",
        discussion: """
            Reads the model's features, subgroups, reference file and rules from the configuration, \
            treats every prediction in --predictions as one window, joins --outcomes by id for \
            performance, and prints the evaluation and the rules it breaches. Nothing is stored. \
            Exit status: 0 when no rule is breached, 1 when one is, 65 for malformed input, 78 for a bad configuration.
            """)

    @Argument(help: "The model, as named in the configuration.") var model: String
    @Option(help: "The configuration file.") var config = "/etc/vigil/vigil.yaml"
    @Option(help: "A JSON Lines file of predictions, in the prediction log's format.") var predictions: String
    @Option(help: "A JSON Lines file of outcomes, in the outcome log's format.") var outcomes: String?
    @Flag(help: "Print the evaluation as JSON.") var json = false

    /// Hidden, for `Benchmarks/monitor`: evaluate this many times and print the fastest time as JSON on standard error.
    @Option(help: .hidden) var benchmarkRepeats = 0

    func run() throws {
        try reportingFailures {
            let loaded = try ConfigLoader().load(path: config)
            guard let modelConfig = loaded.model(named: model) else {
                throw CommandFailure(exitCode: 64, lines: ["no model named \"\(model)\" in \(config)"])
            }
            let offline: OfflineEvaluation
            do {
                offline = try OfflineEvaluation(model: modelConfig, predictionsPath: predictions, outcomesPath: outcomes)
            } catch let error as OfflineEvaluationError {
                throw CommandFailure(exitCode: 65, lines: [error.description])
            }
            var evaluation = offline.evaluate()
            if benchmarkRepeats > 0 {
                // Wall-clock time of each evaluation, and the process's CPU time (both threads)
                // over all of them: on a shared machine the CPU time per evaluation is the steadier figure.
                var seconds: [Double] = []
                let cpuBefore = Self.processCPUSeconds()
                for _ in 0..<benchmarkRepeats {
                    let start = ContinuousClock.now
                    evaluation = offline.evaluate()
                    let elapsed = ContinuousClock.now - start
                    seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                }
                let cpu = (Self.processCPUSeconds() - cpuBefore) / Double(benchmarkRepeats)
                seconds.sort()
                let median = seconds.count % 2 == 1
                    ? seconds[seconds.count / 2] : (seconds[seconds.count / 2 - 1] + seconds[seconds.count / 2]) / 2
                FileHandle.standardError.write(Data(
                    "{\"evaluate_seconds_best\":\(seconds[0]),\"evaluate_seconds_median\":\(median),\"evaluate_cpu_seconds_mean\":\(cpu),\"predictions\":\(offline.predictionCount),\"outcomes\":\(offline.outcomeCount),\"features\":\(evaluation.features.count)}\n".utf8))
            }
            let breaches = offline.breaches(of: evaluation)
            if json {
                try printJSON(evaluation)
            } else {
                print(HistoryCommand.render(HistoryReport(model: model, evaluations: [evaluation], events: [])))
                print("")
                print(breaches.isEmpty ? "no rule breached" : "breached:\n" + breaches.map { "  \($0)" }.joined(separator: "\n"))
            }
            if !breaches.isEmpty { throw ExitCode(1) }
        }
    }

    /// User plus system CPU time of the whole process so far, in seconds.
    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
