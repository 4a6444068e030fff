import ArgumentParser
import Foundation
import VigilMonitor

/// `vigil simulate`: a seeded sepsis-screening stream at three emergency departments, served
/// by whatever model `serving.json` names, for trying Vigil without a hospital.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a sepsis-screening stream at three emergency departments (training CSV, prediction and outcome logs).",
        discussion: """
            Phases run in order; each is NAME[+NAME...]:COUNT encounters, NAME one of stable, \
            assay-shift (the lactate assay at --assay-site reads 0.8 mmol/L higher), winter (older \
            patients), protocol-change (a new treatment protocol lowers the risk of patients with \
            lactate >= 2 mmol/L: same inputs, other outcomes). Before each batch the serving side \
            reads serving.json: an active version scores the batch and is logged as its `version`; \
            while paused (or with no serving.json) nothing is logged (standard care). Outcomes are \
            appended once the stream's event time passes them (6 to 72 hours after the screening); \
            the rest are written at the end. The same seed and serving decisions give the same files.

            Example: vigil simulate --training-csv v1.csv --rows 4000
                     vigil simulate --serving STATE/models/sepsis-risk/serving.json \\
                       --predictions p.jsonl --outcomes o.jsonl --phase stable:2000 --phase assay-shift:1500
            """)

    @Option(help: "Seed of the stream.") var seed: UInt64 = 1
    @Option(help: "The site whose lactate assay changes in assay-shift.") var assaySite = "ED-1"
    @Option(help: ArgumentHelp("Write a training table of stable encounters (the model's inputs, site, label) to this CSV.", valueName: "path"))
    var trainingCSV: String?
    @Option(help: "Rows of the training table.") var rows = 4_000
    @Option(name: .customLong("phase"), help: ArgumentHelp("A phase of the stream (repeatable), e.g. stable:2000.", valueName: "name:count"))
    var phases: [String] = []
    @Option(help: ArgumentHelp("The serving.json to follow.", valueName: "path")) var serving: String?
    @Option(help: ArgumentHelp("The prediction log to append to.", valueName: "path")) var predictions: String?
    @Option(help: ArgumentHelp("The outcome log to append to.", valueName: "path")) var outcomes: String?
    @Option(help: "Encounters per batch (serving.json is read before each).") var batch = 100
    @Option(help: "Milliseconds to wait between batches (time for vigild to act on them).") var pause = 0

    func validate() throws {
        guard trainingCSV != nil || !phases.isEmpty else { throw ValidationError("nothing to do: give --training-csv, --phase, or both") }
        if !phases.isEmpty, serving == nil || predictions == nil || outcomes == nil {
            throw ValidationError("--phase needs --serving, --predictions and --outcomes")
        }
        guard SepsisStream.sites.contains(assaySite) else { throw ValidationError("--assay-site: one of \(SepsisStream.sites.joined(separator: ", "))") }
        guard batch > 0, rows > 0, pause >= 0 else { throw ValidationError("--batch and --rows must be positive, --pause not negative") }
    }

    func run() throws {
        try reportingFailures {
            let stream = SepsisStream(seed: seed, assaySite: assaySite)
            let parsed: [SepsisStream.Phase]
            do { parsed = try phases.map { try SepsisStream.Phase(parsing: $0) } } catch let error as SimulationError {
                throw CommandFailure(exitCode: 64, lines: [error.description])
            }
            if let trainingCSV {
                try Data(stream.trainingCSV(rows: rows).utf8).write(to: URL(fileURLWithPath: trainingCSV))
                print("\(trainingCSV): \(rows) stable encounters (seed \(seed))")
            }
            guard let serving, let predictions, let outcomes else { return }
            let simulation = ServingSimulation(stream: stream, predictions: predictions, outcomes: outcomes, serving: serving)
            do {
                for phase in parsed {
                    var left = phase.count
                    var versions: [Int: Int] = [:]
                    var withheld = 0
                    while left > 0 {
                        let result = try simulation.serve(min(batch, left), effects: phase.effects)
                        if let version = result.version { versions[version, default: 0] += result.scored }
                        withheld += result.withheld
                        left -= min(batch, left)
                        if pause > 0 { Thread.sleep(forTimeInterval: Double(pause) / 1_000) }
                    }
                    let scoredBy = versions.sorted { $0.key < $1.key }.map { "v\($0.key) \($0.value)" }.joined(separator: ", ")
                    print("\(phase.name): \(phase.count) encounters; scored by \(scoredBy.isEmpty ? "none" : scoredBy); withheld (paused or no model) \(withheld)")
                }
                let written = try simulation.writeOutcomes()
                print("end of stream: \(written) outstanding outcomes written")
            } catch let error as SimulationError {
                throw CommandFailure(exitCode: 1, lines: [error.description])
            }
        }
    }
}
