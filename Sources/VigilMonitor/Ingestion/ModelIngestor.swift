/// Reads one model's prediction and outcome logs and turns their lines into a batch:
/// parsed records in the order read, bad lines with their reasons, foreign lines counted.
final class ModelIngestor {
    let config: ModelConfig
    let predictions: LogTailer
    let outcomes: LogTailer
    private let layout: WindowLayout
    private(set) var batch = IngestionBatch()
    /// Events seen since the last commit, journaled once the commit holds.
    private(set) var events: [TailEvent] = []
    /// The checkpoints as last committed.
    private var committed: (predictions: TailCheckpoint, outcomes: TailCheckpoint)

    init(config: ModelConfig, predictionsCheckpoint: TailCheckpoint?, outcomesCheckpoint: TailCheckpoint?) {
        self.config = config
        predictions = LogTailer(path: config.predictionsPath, checkpoint: predictionsCheckpoint ?? TailCheckpoint())
        outcomes = LogTailer(path: config.outcomesPath, checkpoint: outcomesCheckpoint ?? TailCheckpoint())
        layout = WindowLayout(model: config)
        committed = (predictions.checkpoint, outcomes.checkpoint)
    }

    /// Whether a tailer moved since the last commit without handing out lines (a truncation, a rotation).
    var hasMovedSinceCommit: Bool {
        predictions.checkpoint != committed.predictions || outcomes.checkpoint != committed.outcomes
    }

    var settings: IngestionModelSettings {
        IngestionModelSettings(
            name: config.name, labelHorizon: config.labelHorizon, trainingWindow: config.lifecycle.retrain.trainingWindow,
            window: config.window, layout: layout)
    }

    /// Reads what is new in both logs, about `byteBudget` bytes each; returns the lines read.
    func poll(byteBudget: Int) -> Int {
        let before = batch.lineCount
        events += predictions.poll(byteBudget: byteBudget) { line in take(line, from: .predictions) }
        events += outcomes.poll(byteBudget: byteBudget) { line in take(line, from: .outcomes) }
        return batch.lineCount - before
    }

    /// Forgets the batch and events once they are committed, with the checkpoints they led to.
    func markCommitted() {
        batch = IngestionBatch()
        events = []
        committed = (predictions.checkpoint, outcomes.checkpoint)
    }

    private func take(_ line: TailLine, from stream: LogStream) {
        let path = stream == .predictions ? predictions.path : outcomes.path
        func quarantine(_ reason: QuarantineReason) {
            batch.appendQuarantined(QuarantinedLine(
                model: config.name, stream: stream, path: path, offset: line.offset, line: line.number,
                reason: reason, excerpt: Array(line.bytes.prefix(QuarantinedLine.excerptLength))))
        }
        if let length = line.overlongLength {
            quarantine(QuarantineReason(.lineTooLong, "the line is \(length) bytes long; at most \(RecordParser.maximumLineLength) are accepted"))
            return
        }
        let location = IngestionBatch.LineLocation(path: path, offset: line.offset, line: line.number)
        switch stream {
        case .predictions:
            switch RecordParser.parsePrediction(line.bytes) {
            case .failure(let reason):
                quarantine(reason)
            case .success(let record):
                // A line naming another model belongs to it, not to this one.
                if let model = record.model, model != config.name { return batch.appendForeign() }
                if !layout.features.isEmpty {
                    layout.forEachUnknownFeature(of: record) { batch.unknownFeatures[$0, default: 0] += 1 }
                }
                batch.appendPrediction(record, line: line.bytes, subgroups: layout.subgroupValues(of: record), at: location)
            }
        case .outcomes:
            switch RecordParser.parseOutcome(line.bytes) {
            case .failure(let reason):
                quarantine(reason)
            case .success(let record):
                if let model = record.model, model != config.name { return batch.appendForeign() }
                batch.appendOutcome(record, at: location)
            }
        }
    }
}
