import Foundation
import VigilML

/// The serving application of a sepsis screening model, as a hospital runs it: before each
/// batch it reads `serving.json`; while it names an active version, each encounter is scored by
/// that version's model file (its checksum checked) and appended to the prediction log with the
/// version as `serving.json` gives it; while it says `paused` (or is missing), nothing is logged
/// and the departments fall back to standard care. An outcome is appended to the outcome log
/// once the stream's clock (event time) passes the moment it becomes known, 6 to 72 hours later.
///
/// Not `Sendable`: one task owns a simulation.
public final class ServingSimulation {
    /// What the serving side did with one batch.
    public struct Batch: Sendable, Equatable {
        /// The version that scored it, or nil when none was used (paused, or no serving.json).
        public var version: Int?
        public var scored: Int
        /// Encounters seen while no model was in use (standard care): not logged.
        public var withheld: Int
        public var outcomesWritten: Int
    }

    public let stream: SepsisStream
    public let predictionsPath: String
    public let outcomesPath: String
    public let servingPath: String
    /// The index of the next encounter.
    public private(set) var next: Int
    /// Scored predictions per version.
    public private(set) var scored: [Int: Int] = [:]
    public private(set) var withheld = 0
    /// Outcomes not yet known at the stream's clock: (when known, line), in the order they become known.
    private var pending: [(ts: Int, line: String)] = []
    private var models: [String: TrainedModel] = [:]

    public init(stream: SepsisStream, predictions: String, outcomes: String, serving: String, firstIndex: Int = 0) {
        self.stream = stream
        predictionsPath = predictions
        outcomesPath = outcomes
        servingPath = serving
        next = firstIndex
    }

    /// Outcomes that will be written once the clock reaches them.
    public var pendingOutcomes: Int { pending.count }

    /// The version `serving.json` names and its model, or nil while paused or absent.
    public func currentModel() throws -> (version: Int, model: TrainedModel)? {
        guard let data = FileManager.default.contents(atPath: servingPath) else { return nil }
        let serving: ServingFile
        do { serving = try JSONDecoder().decode(ServingFile.self, from: data) } catch {
            throw SimulationError("\(servingPath): not a serving.json (\(error))")
        }
        guard serving.status == .active else { return nil }
        if let model = models[serving.sha256] { return (serving.version, model) }
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: serving.path))) } catch {
            throw SimulationError("\(serving.path) (named by \(servingPath)): \(error.localizedDescription)")
        }
        guard SHA256.hexDigest(of: bytes) == serving.sha256 else {
            throw SimulationError("\(serving.path) does not have the checksum \(servingPath) gives: refusing to serve it")
        }
        let model = TrainedModel(try ModelFile.decode(bytes, path: serving.path))
        models[serving.sha256] = model
        return (serving.version, model)
    }

    /// Serves the next `count` encounters under `effects`, scored by what serving.json names now.
    @discardableResult
    public func serve(_ count: Int, effects: Set<SepsisStream.Effect>) throws -> Batch {
        let encounters = (next..<next + count).map { stream.encounter($0, effects: effects) }
        next += count
        var batch = Batch(version: nil, scored: 0, withheld: 0, outcomesWritten: 0)
        if let (version, model) = try currentModel(), !encounters.isEmpty {
            var cells: [String: [String]] = [:]
            for encounter in encounters {
                for (name, value) in encounter.features { cells[name, default: []].append(value) }
            }
            let columns = model.document.features.map {
                FeatureColumn.parse(cells[$0.name] ?? Array(repeating: "", count: encounters.count), name: $0.name, kind: $0.kind)
            }
            let scores = model.probabilities(columns)
            var text = ""
            for (encounter, score) in zip(encounters, scores) {
                text += Self.predictionLine(encounter, version: version, score: score)
                pending.append((encounter.outcomeTS, #"{"id":"\#(encounter.id)","ts":\#(encounter.outcomeTS),"label":\#(encounter.label ? 1 : 0)}"# + "\n"))
            }
            try Self.append(text, to: predictionsPath)
            pending.sort { $0.ts < $1.ts }
            scored[version, default: 0] += count
            batch.version = version
            batch.scored = count
        } else {
            withheld += count
            batch.withheld = count
        }
        if let clock = encounters.last?.ts {
            batch.outcomesWritten = try writeOutcomes(knownBy: clock)
        }
        return batch
    }

    /// Writes every outcome known by `clock` (all of them when nil); returns how many.
    @discardableResult
    public func writeOutcomes(knownBy clock: Int? = nil) throws -> Int {
        let due = clock.map { limit in pending.prefix { $0.ts <= limit }.count } ?? pending.count
        guard due > 0 else {
            if !FileManager.default.fileExists(atPath: outcomesPath) { try Self.append("", to: outcomesPath) }
            return 0
        }
        try Self.append(pending.prefix(due).map(\.line).joined(), to: outcomesPath)
        pending.removeFirst(due)
        return due
    }

    static func predictionLine(_ encounter: SepsisStream.Encounter, version: Int, score: Double) -> String {
        let features = encounter.features.map { name, value in
            name == "sex" || name == "arrival_mode" || name == "site" ? "\"\(name)\":\"\(value)\"" : "\"\(name)\":\(value)"
        }.joined(separator: ",")
        return #"{"id":"\#(encounter.id)","ts":\#(encounter.ts),"version":"\#(version)","score":\#(score),"features":{\#(features)},"attrs":{"site":"\#(encounter.site)","sex":"\#(encounter.sex)"}}"# + "\n"
    }

    static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw SimulationError("cannot create \(path)") }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}
