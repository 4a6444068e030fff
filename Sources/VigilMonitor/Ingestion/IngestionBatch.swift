/// Which of a model's two logs a line came from.
public enum LogStream: String, Sendable, CaseIterable {
    case predictions
    case outcomes
}

/// A line set aside, with where it was and why.
struct QuarantinedLine {
    var model: String
    var stream: LogStream
    var path: String
    var offset: Int64
    var line: Int64
    var reason: QuarantineReason
    var excerpt: [UInt8]

    /// How much of a bad line is kept.
    static let excerptLength = 512
}

/// What the lines read since the last commit amount to, in the order they were read, so that
/// one transaction can apply them together with the checkpoints that follow them.
struct IngestionBatch {
    enum Item {
        /// A parsed prediction: what storing it needs, and its line's bytes, stored as they are.
        case prediction(StoredPrediction, LineLocation)
        case outcome(OutcomeRecord, LineLocation)
        case quarantined(QuarantinedLine)
        case foreign
    }

    /// Where a parsed record came from, kept so that a duplicate can be quarantined with its place.
    struct LineLocation {
        var path: String
        var offset: Int64
        var line: Int64
    }

    /// What the committer needs of a prediction. The reader keeps the full `PredictionRecord`
    /// (its features) to itself, so that records are freed by the thread that made them.
    struct StoredPrediction {
        var id: String
        var timestamp: Double
        var score: Double
        var version: String?
        var line: [UInt8]
        /// Its values of the model's subgroup attributes (empty when the model has none).
        var subgroups: [String?]

        init(_ record: PredictionRecord, line: [UInt8], subgroups: [String?]) {
            id = record.id
            timestamp = record.timestamp
            score = record.score
            version = record.version
            self.line = line
            self.subgroups = subgroups
        }
    }

    /// One item per line read, in order.
    var items: [Item] = []
    var unknownFeatures: [String: Int64] = [:]

    /// How many lines the batch holds.
    var lineCount: Int { items.count }
}
