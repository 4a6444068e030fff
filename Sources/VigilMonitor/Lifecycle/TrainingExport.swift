import Foundation
import VigilML
import VigilStore

/// The data of one retraining: the stored labeled examples within `retrain.training_window`,
/// oldest 80% (by prediction time, plus `retrain.base_data`) written as JSON Lines for the
/// `vigil train` child, newest 20% kept as the comparison set on which the candidate and
/// production are judged.
struct TrainingExport {
    /// The file the child trains on.
    var trainingFile: String
    var trainingRows: Int
    /// The held-out comparison set.
    var holdout: [StoredPrediction]
    /// Columns of the training file that are not model inputs (subgroup and group attributes).
    var ignoredColumns: [String]

    /// Why a retraining could not be prepared.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// The held-out share of the examples, newest first.
    static let holdoutShare = 0.2

    /// The number of labeled examples of `model` within its training window.
    static func exampleCount(_ database: Database, model: ModelConfig) throws -> Int {
        guard let key = try modelKey(database, model.name),
              let newest = try database.scalar("SELECT max(ts) FROM predictions WHERE model_key = ? AND status = 'joined'", key)?.double else { return 0 }
        let since = newest - Double(model.lifecycle.retrain.trainingWindow.seconds)
        return try database.scalar("SELECT count(*) FROM predictions WHERE model_key = ? AND status = 'joined' AND ts >= ?", key, since)?.int ?? 0
    }

    /// Reads the examples and writes the training file into `directory`.
    static func prepare(_ database: Database, model: ModelConfig, directory: String) throws -> TrainingExport {
        let settings = model.lifecycle.retrain
        guard let key = try modelKey(database, model.name),
              let newest = try database.scalar("SELECT max(ts) FROM predictions WHERE model_key = ? AND status = 'joined'", key)?.double else {
            throw Problem(description: "no labeled examples yet")
        }
        let since = newest - Double(settings.trainingWindow.seconds)
        let (examples, unreadable, _) = try StoredPredictions.read(
            database,
            "SELECT row, segment, line_start, line_length, label FROM predictions WHERE model_key = ? AND status = 'joined' AND ts >= ? ORDER BY ts, row",
            [.integer(key), .real(since)])
        guard examples.count >= settings.minExamples else {
            throw Problem(description: "\(examples.count) labeled examples within \(settings.trainingWindow)\(unreadable > 0 ? " (\(unreadable) unreadable)" : ""), fewer than retrain.min_examples (\(settings.minExamples))")
        }
        let holdoutCount = max(1, Int((Double(examples.count) * holdoutShare).rounded(.up)))
        let training = examples[..<(examples.count - holdoutCount)]
        let holdout = Array(examples[(examples.count - holdoutCount)...])

        let featureNames = model.features.map(\.name)
        let attributeNames = (model.subgroups + [model.lifecycle.group].compactMap { $0 }).filter { !featureNames.contains($0) }
        var output = [UInt8]()
        output.reserveCapacity(training.count * 256)
        for example in training {
            output += line(example, features: featureNames, attributes: attributeNames)
        }
        var rows = training.count
        if let base = settings.baseData {
            let (bytes, count) = try baseRows(path: base, features: featureNames, attributes: attributeNames)
            output += bytes
            rows += count
        }
        let path = (directory as NSString).appendingPathComponent("training.jsonl")
        do {
            try AtomicFile.write(output, to: path, syncDirectory: false, describedAs: "training data")
        } catch {
            throw Problem(description: "\(error)")
        }
        return TrainingExport(trainingFile: path, trainingRows: rows, holdout: holdout, ignoredColumns: attributeNames)
    }

    static func modelKey(_ database: Database, _ model: String) throws -> Int64? {
        try database.scalar("SELECT key FROM model_keys WHERE name = ?", model)?.int64
    }

    /// One training row: `id`, `ts` (Unix seconds), `label`, the model's `features` and the
    /// subgroup and group `attrs`; the logged score and version are left out (they are not inputs).
    static func line(_ example: StoredPrediction, features: [String], attributes: [String]) -> [UInt8] {
        var object: [String: Any] = ["id": example.record.id, "ts": example.record.timestamp, "label": example.label == true ? 1 : 0]
        var inputs: [String: Any] = [:]
        let names = features.isEmpty ? example.record.features.map(\.name) : features
        for name in names {
            switch example.record.feature(named: name) {
            case .number(let number)?: inputs[name] = number
            case .string(let text)?: inputs[name] = text
            case .bool(let flag)?: inputs[name] = flag
            case .null?, nil: inputs[name] = NSNull()
            }
        }
        object["features"] = inputs
        var attrs: [String: Any] = [:]
        for name in attributes { if let value = example.record.attribute(named: name) { attrs[name] = value } }
        if !attrs.isEmpty { object["attrs"] = attrs }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array(data) + [0x0A]
    }

    /// `retrain.base_data` as training rows: its model features and `label` column.
    static func baseRows(path: String, features: [String], attributes: [String]) throws -> ([UInt8], Int) {
        let table: RawTable
        do { table = try RawTable(contentsOfFile: path) } catch { throw Problem(description: "retrain.base_data: \(error)") }
        guard let labelColumn = table.columnIndex(named: "label") else {
            throw Problem(description: "retrain.base_data \(path) has no \"label\" column (0/1 outcomes)")
        }
        let names = features.isEmpty ? table.header.filter { !["label", "id", "ts"].contains($0) && !attributes.contains($0) } : features
        var output = [UInt8]()
        for row in 0..<table.rowCount {
            let labelText = table.columns[labelColumn][row].lowercased()
            guard ["0", "1", "true", "false"].contains(labelText) else {
                throw Problem(description: "retrain.base_data \(path) line \(table.lineNumbers[row]): label \"\(labelText)\" is not 0/1 or true/false")
            }
            var inputs: [String: Any] = [:]
            for name in names {
                guard let column = table.columnIndex(named: name) else { continue }
                let text = table.columns[column][row]
                inputs[name] = text.isEmpty ? NSNull() : text
            }
            var object: [String: Any] = ["id": "base-\(row + 1)", "label": labelText == "1" || labelText == "true" ? 1 : 0, "features": inputs]
            var attrs: [String: Any] = [:]
            for name in attributes {
                if let column = table.columnIndex(named: name), !table.columns[column][row].isEmpty { attrs[name] = table.columns[column][row] }
            }
            if !attrs.isEmpty { object["attrs"] = attrs }
            // Base rows without a time count as the oldest, so the child's time-ordered validation holds out recent rows.
            object["ts"] = table.columnIndex(named: "ts").flatMap { Double(table.columns[$0][row]) } ?? 0
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            output += Array(data) + [0x0A]
        }
        return (output, table.rowCount)
    }
}
