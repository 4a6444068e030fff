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
        /// Its line is bytes `lineStart ..< lineStart + lineLength` of the batch's `predictionLines`.
        var lineStart: Int
        var lineLength: Int
        /// Its values of the model's subgroup attributes, as an index into the batch's
        /// `subgroups`; nil when it has none of them (or the model has no subgroups).
        var subgroup: Int?
    }

    /// One item per line read, in order.
    private(set) var items: [Item] = []
    var unknownFeatures: [String: Int64] = [:]
    /// The lines of the batch's predictions as logged, each followed by a newline: the
    /// batch's segment, built by the reader so that the committer stores it as it is; after
    /// `compressPredictionLines()`, what `SegmentLines` made of them for storage.
    private(set) var predictionLines: [UInt8] = []
    /// Whether `predictionLines` is the segment as stored, and the lines' size if compressed.
    private var storage: (encoded: Bool, size: Int?) = (false, nil)
    /// The distinct combinations of subgroup values among the batch's predictions, each
    /// looked up once by the committer instead of once a prediction.
    private(set) var subgroups: [[String?]] = []
    private var subgroupIndex: [[String?]: Int] = [:]

    /// The capacity a batch's segment buffer starts with: 4,000 lines of about 500 bytes.
    static let initialSegmentCapacity = 2 << 20

    /// How many lines the batch holds.
    var lineCount: Int { items.count }

    /// Whether the batch holds a prediction to store.
    var hasPredictions: Bool { !predictionLines.isEmpty }

    /// Compresses the segment for storage. The reader does it as it hands the batch over while
    /// the committer is behind, so that the compressing is not on the slower thread's time and
    /// the batches waiting hold the smaller block; a batch applied without it is compressed by
    /// the committer.
    mutating func compressPredictionLines() {
        guard !storage.encoded else { return }
        let stored = SegmentLines.encode(predictionLines)
        predictionLines = stored.bytes
        storage = (true, stored.size)
    }

    /// The segment as stored: its bytes, and the lines' size when the bytes are compressed.
    var storedPredictionLines: (bytes: [UInt8], size: Int?) {
        storage.encoded ? (predictionLines, storage.size) : SegmentLines.encode(predictionLines)
    }

    /// Adds a prediction, its line's bytes and its subgroup values.
    mutating func appendPrediction(_ record: PredictionRecord, line: UnsafeRawBufferPointer, subgroups values: [String?],
                                   at location: LineLocation) {
        precondition(!storage.encoded, "a prediction added to a batch whose lines are already compressed")
        let start = predictionLines.count
        // About a commit's worth at once, so that the buffer is not copied as it grows.
        if predictionLines.capacity == 0 { predictionLines.reserveCapacity(Self.initialSegmentCapacity) }
        predictionLines.append(contentsOf: line)
        predictionLines.append(0x0A)
        var subgroup: Int?
        if values.contains(where: { $0 != nil }) {
            if let known = subgroupIndex[values] {
                subgroup = known
            } else {
                subgroup = subgroups.count
                subgroupIndex[values] = subgroups.count
                subgroups.append(values)
            }
        }
        items.append(.prediction(StoredPrediction(
            id: record.id, timestamp: record.timestamp, score: record.score, version: record.version,
            lineStart: start, lineLength: predictionLines.count - 1 - start, subgroup: subgroup), location))
    }

    mutating func appendOutcome(_ record: OutcomeRecord, at location: LineLocation) {
        items.append(.outcome(record, location))
    }

    mutating func appendQuarantined(_ line: QuarantinedLine) {
        items.append(.quarantined(line))
    }

    /// Counts a line that names another model.
    mutating func appendForeign() {
        items.append(.foreign)
    }
}
