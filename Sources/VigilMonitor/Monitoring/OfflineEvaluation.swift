import Foundation

/// Evaluates a file of predictions, with their outcomes when given, as one window against a
/// model's configured reference, exactly as vigild evaluates a window: for `vigil evaluate`
/// (what would Vigil say about this batch?) and for the monitoring benchmark.
public struct OfflineEvaluation: Sendable {
    public let model: ModelConfig
    let reference: ModelReference
    let window: WindowData
    let labeled: LabeledSample

    /// Reads the model's reference file and the prediction (and outcome) logs.
    ///
    /// - Throws: ``OfflineEvaluationError`` naming the file, the line and the cause.
    public init(model: ModelConfig, predictionsPath: String, outcomesPath: String?) throws(OfflineEvaluationError) {
        guard let referencePath = model.referencePath else {
            throw OfflineEvaluationError(message: "model \(model.name) has no reference: file in its configuration to compare with")
        }
        self.model = model
        let layout = WindowLayout(model: model)
        do {
            reference = ModelReference(
                source: "reference file \(referencePath)", data: try ReferenceFile.read(path: referencePath, layout: layout),
                binCount: model.drift.decision.binCount)
        } catch {
            throw OfflineEvaluationError(message: error.description)
        }
        var window = WindowData(layout: layout)
        var predictionsByID: [String: (score: Double, subgroups: [String?], ts: Double)] = [:]
        try Self.forEachLine(of: predictionsPath) { line, number throws(OfflineEvaluationError) in
            switch RecordParser.parsePrediction(line) {
            case .failure(let reason):
                throw OfflineEvaluationError(message: "\(predictionsPath), line \(number): \(reason.code.rawValue): \(reason.detail)")
            case .success(let record):
                guard record.model == nil || record.model == model.name else { return }
                let row = layout.row(of: record)
                window.timestamps.append(row.timestamp)
                window.scores.append(row.score)
                window.versions.append(row.version)
                for index in row.numeric.indices { window.numeric[index].append(row.numeric[index]) }
                for index in row.categorical.indices { window.categorical[index].append(row.categorical[index]) }
                for index in row.subgroups.indices { window.subgroups[index].append(row.subgroups[index]) }
                predictionsByID[record.id] = (row.score, row.subgroups, row.timestamp)
            }
        }
        self.window = window
        var joined: [(ts: Double, score: Double, label: Bool, subgroups: [String?])] = []
        if let outcomesPath {
            try Self.forEachLine(of: outcomesPath) { line, number throws(OfflineEvaluationError) in
                switch RecordParser.parseOutcome(line) {
                case .failure(let reason):
                    throw OfflineEvaluationError(message: "\(outcomesPath), line \(number): \(reason.code.rawValue): \(reason.detail)")
                case .success(let record):
                    if let prediction = predictionsByID.removeValue(forKey: record.id) {
                        joined.append((prediction.ts, prediction.score, record.label, prediction.subgroups))
                    }
                }
            }
        }
        // The most recent joined outcomes, as vigild's rolling performance takes them.
        joined.sort { $0.ts > $1.ts }
        var labeled = LabeledSample(subgroupNames: model.subgroups)
        for example in joined.prefix(model.performance.window) {
            labeled.scores.append(example.score)
            labeled.labels.append(example.label)
            labeled.subgroups.append(example.subgroups)
        }
        self.labeled = labeled
    }

    /// The evaluation vigild would store for this window.
    public func evaluate(now: Double = Date().timeIntervalSince1970) -> Evaluation {
        let start = window.timestamps.min()
        let end = window.timestamps.max()
        return WindowEvaluator(model: model).evaluate(
            window: window, seq: 1, start: start, end: end, quarantined: 0, reference: reference, labeled: labeled, now: now)
    }

    /// The summaries of the rules this evaluation breaches (before `for` evaluations in a row are needed to fire).
    public func breaches(of evaluation: Evaluation) -> [String] {
        AlertConditions.observations(for: evaluation, model: model, outcomeLag: nil, windowStart: nil, windowEnd: nil)
            .filter(\.breaching).map(\.summary)
    }

    /// How many predictions and joined outcomes were read.
    public var predictionCount: Int { window.count }
    public var outcomeCount: Int { labeled.count }

    private static func forEachLine(of path: String, _ body: ([UInt8], Int) throws(OfflineEvaluationError) -> Void) throws(OfflineEvaluationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OfflineEvaluationError(message: "\(path): cannot be read")
        }
        var number = 0
        for line in Array(data).split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty { continue }
            try body(Array(line), number)
        }
    }
}

/// Why an offline evaluation could not run.
public struct OfflineEvaluationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
