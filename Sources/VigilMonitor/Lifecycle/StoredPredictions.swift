import Foundation
import VigilML
import VigilStore

/// Predictions read back from the state database with their logged lines parsed: what
/// retraining exports, what shadow scoring scores and what probation judges.
struct StoredPrediction: Sendable {
    var row: Int64
    var record: PredictionRecord
    /// The observed outcome, for a joined prediction.
    var label: Bool?
}

enum StoredPredictions {
    /// Runs `sql`, which must select `row, segment, line_start, line_length, label` from
    /// `predictions`, and parses each row's stored line. Rows whose line cannot be read back are
    /// counted, not returned; `lastRow` is the last row the query gave, readable or not.
    static func read(_ database: Database, _ sql: String, _ arguments: [SQLValue]) throws -> (predictions: [StoredPrediction], unreadable: Int, lastRow: Int64?) {
        let rows = try database.query(sql, arguments: arguments)
        var predictions: [StoredPrediction] = []
        predictions.reserveCapacity(rows.count)
        var unreadable = 0
        var lines = SegmentLines.Reader(database: database)
        for row in rows {
            guard let rowID = row["row"].int64, let segment = row["segment"].int64,
                  let start = row["line_start"].int, let length = row["line_length"].int,
                  let record = try lines.prediction(segment: segment, start: start, length: length) else {
                unreadable += 1
                continue
            }
            predictions.append(StoredPrediction(row: rowID, record: record, label: row["label"].int.map { $0 != 0 }))
        }
        return (predictions, unreadable, rows.last?["row"].int64)
    }

    /// The text a feature value has in a training table: what `vigil train` reads from JSON Lines.
    static func cell(_ value: FeatureValue?) -> String {
        switch value {
        case .number(let number)?: number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        case .string(let text)?: text
        case .bool(let flag)?: flag ? "true" : "false"
        case .null?, nil: ""
        }
    }

    /// The value of `name` on a record: its attribute, else its feature, as text (nil when absent or null).
    static func subgroupValue(_ record: PredictionRecord, _ name: String) -> String? {
        if let attribute = record.attribute(named: name) { return attribute }
        let text = cell(record.feature(named: name))
        return text.isEmpty ? nil : text
    }

    /// `model`'s probability for each record.
    static func score(_ records: [PredictionRecord], with model: TrainedModel) -> [Double] {
        guard !records.isEmpty else { return [] }
        let columns = model.document.features.map { spec in
            FeatureColumn.parse(records.map { cell($0.feature(named: spec.name)) }, name: spec.name, kind: spec.kind)
        }
        return model.probabilities(columns)
    }
}
