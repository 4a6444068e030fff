import ArgumentParser
import Foundation
import VigilML
import VigilMonitor

/// `vigil score`: a model file's calibrated probability and positive call for every row.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a CSV or JSON Lines table with a model file from `vigil train`.",
        discussion: """
            Writes a CSV with the --keep columns, `score` (the calibrated probability) and \
            `label_pred` (1 when the score is at or above the model's operating threshold), one \
            row per input row, in input order. Columns the model does not use are ignored; a \
            missing feature column is an error naming it.
            Exit status: 0 on success, 64 for a usage error, 65 for a bad model file or data, \
            66 for a missing file.
            """)

    @Option(help: "The model file.")
    var model: String
    @Option(help: "The table to score (.csv, or .jsonl / .json for JSON Lines).")
    var data: String
    @Option(help: "Where to write the scores (default: standard output).")
    var out: String?
    @Option(help: "Comma-separated input columns to copy to the output, before the scores.")
    var keep: String?

    func run() throws {
        try reportingFailures {
            let document: ModelDocument
            do throws(ModelFileError) {
                document = try ModelFile.read(model)
            } catch {
                if case .unreadable = error { throw CommandFailure(exitCode: StartupFailure.noInput, lines: ["\(error)"]) }
                throw CommandFailure(exitCode: StartupFailure.dataError, lines: ["\(error)"])
            }
            let raw = try CommandSupport.loadRawTable(data)
            let trained = TrainedModel(document)
            let features: [FeatureColumn]
            do {
                features = try trained.features(of: raw)
            } catch {
                throw CommandFailure(exitCode: StartupFailure.dataError, lines: ["\(data): \(error)"])
            }
            let kept = CommandSupport.splitList(keep ?? "")
            var keptColumns: [[String]] = []
            for name in kept {
                guard let index = raw.columnIndex(named: name) else {
                    throw CommandFailure(exitCode: StartupFailure.usage, lines: ["--keep \(name): not a column of \(data)"])
                }
                keptColumns.append(raw.columns[index])
            }
            let scores = trained.probabilities(features)
            let threshold = document.operatingPoint.threshold
            var text = (kept.map(CSVWriting.field) + ["score", "label_pred"]).joined(separator: ",") + "\n"
            text.reserveCapacity(raw.rowCount * 32)
            for row in 0..<raw.rowCount {
                for column in keptColumns {
                    text += CSVWriting.field(column[row])
                    text += ","
                }
                text += "\(scores[row]),\(scores[row] >= threshold ? 1 : 0)\n"
            }
            if let out {
                do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                    throw CommandFailure(exitCode: StartupFailure.cannotCreate, lines: ["\(out): \(error.localizedDescription)"])
                }
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
