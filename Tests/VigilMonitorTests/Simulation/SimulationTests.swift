import Foundation
import Testing
import VigilStats
import VigilML
import VigilTestSupport
@testable import VigilMonitor

/// The simulated sepsis-screening stream behind `vigil simulate` and `vigil demo`.
@Suite struct SimulationTests {
    let stream = SepsisStream(seed: 2026, assaySite: "ED-2")

    @Test("about 8% of stable encounters have the outcome, at every site")
    func prevalence() {
        let encounters = (0..<20_000).map { stream.encounter($0) }
        let share = Double(encounters.filter(\.label).count) / Double(encounters.count)
        #expect(abs(share - 0.08) < 0.012, "prevalence \(share)")
        for site in SepsisStream.sites {
            let atSite = encounters.filter { $0.site == site }
            let siteShare = Double(atSite.filter(\.label).count) / Double(atSite.count)
            #expect(atSite.count > 3_000 && siteShare > 0.05 && siteShare < 0.11, "\(site): \(atSite.count) encounters, prevalence \(siteShare)")
        }
    }

    @Test("the assay shift adds exactly 0.8 mmol/L to lactate at the chosen site only, and leaves the outcome alone")
    func assayShift() {
        for index in 0..<2_000 {
            let before = stream.encounter(index)
            let after = stream.encounter(index, effects: [.assayShift])
            #expect(after.trueLactate == before.trueLactate && after.label == before.label && after.risk == before.risk)
            if before.site == "ED-2" {
                #expect(after.lactate == ((before.lactate * 10).rounded() + 8) / 10)
                #expect(abs(after.lactate - before.lactate - 0.8) < 1e-9)
                #expect(after.features.first { $0.name == "lactate" }.flatMap { Double($0.value) } == after.lactate)
            } else {
                #expect(after == before)
            }
        }
    }

    @Test("outcomes become known 6 to 72 hours after the screening")
    func outcomeDelays() {
        let delays = (0..<10_000).map { index -> Int in
            let encounter = stream.encounter(index, effects: [.winter])
            return encounter.outcomeTS - encounter.ts
        }
        #expect(delays.allSatisfy { $0 >= 6 * 3_600 && $0 <= 72 * 3_600 })
        #expect(delays.min()! < 8 * 3_600 && delays.max()! > 60 * 3_600, "the delays spread over the range")
    }

    @Test("the same seed gives the same stream; another seed another one")
    func determinism() {
        let again = SepsisStream(seed: 2026, assaySite: "ED-2")
        for index in [0, 1, 17, 999, -5] {
            #expect(stream.encounter(index, effects: [.protocolChange]) == again.encounter(index, effects: [.protocolChange]))
        }
        #expect(stream.trainingCSV(rows: 200) == again.trainingCSV(rows: 200))
        #expect(SepsisStream(seed: 2027).trainingCSV(rows: 200) != stream.trainingCSV(rows: 200))
    }

    @Test("winter brings older patients; the new protocol lowers the outcome rate for the same inputs")
    func populationAndConceptShift() {
        let stable = (0..<5_000).map { stream.encounter($0) }
        let winter = (0..<5_000).map { stream.encounter($0, effects: [.winter]) }
        let protocolChange = (0..<5_000).map { stream.encounter($0, effects: [.protocolChange]) }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        #expect(mean(winter.map(\.age)) - mean(stable.map(\.age)) > 8)
        #expect(zip(stable, protocolChange).allSatisfy { $0.lactate == $1.lactate && $0.heartRate == $1.heartRate })
        let highLactate = zip(stable, protocolChange).filter { $0.0.trueLactate >= 2 }
        #expect(highLactate.allSatisfy { $0.1.risk < $0.0.risk })
        #expect(zip(stable, protocolChange).filter { $0.0.trueLactate < 2 }.allSatisfy { $0.0.risk == $0.1.risk })
        // Enough that a model of the old risk clearly fails its probation (the demo's margin is 0.02):
        // the old risk ranks the new outcomes far worse than it ranked the old ones.
        let before = ROC.auroc(labels: stable.map(\.label), scores: stable.map(\.risk)).value ?? 0
        let after = ROC.auroc(labels: protocolChange.map(\.label), scores: stable.map(\.risk)).value ?? 1
        #expect(before - after > 0.12, "AUROC of the old risk: \(before) before, \(after) after")
    }

    @Test("phases parse as NAME[+NAME...]:COUNT and bad ones are refused with the reason")
    func phases() throws {
        #expect(try SepsisStream.Phase(parsing: "stable:2000") == SepsisStream.Phase([], count: 2_000))
        #expect(try SepsisStream.Phase(parsing: "assay-shift+winter:15") == SepsisStream.Phase([.assayShift, .winter], count: 15))
        #expect(try SepsisStream.Phase(parsing: "winter+assay-shift:1").name == "assay-shift+winter")
        #expect(throws: SimulationError.self) { try SepsisStream.Phase(parsing: "heatwave:10") }
        #expect(throws: SimulationError.self) { try SepsisStream.Phase(parsing: "stable") }
        #expect(throws: SimulationError.self) { try SepsisStream.Phase(parsing: "stable:-1") }
    }

    /// A small real model of the stream's inputs, trained once.
    static let modelFile: [UInt8] = {
        let text = SepsisStream(seed: 5).trainingCSV(rows: 600)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let columns = lines[0].indices.map { index in lines.dropFirst().map { $0[index] } }
        let raw = RawTable(header: lines[0], columns: columns, lineNumbers: Array(2...lines.count))
        let roles = ColumnRoles(target: "label")
        var request = TrainingRequest(roles: roles)
        request.trials = 1
        return try! ModelFile.encode(try! AutoML.train(try! TrainingTable(raw, roles: roles), request: request).document)
    }()

    func writeServing(_ directory: TemporaryDirectory, status: ServingFile.Status, version: Int) throws -> String {
        let model = directory.path + "/model.json"
        try Data(Self.modelFile).write(to: URL(fileURLWithPath: model))
        let serving = ServingFile(model: "sepsis-risk", status: status, version: version, path: model,
                                  sha256: SHA256.hexDigest(of: Self.modelFile), updatedAt: "2026-01-05T00:00:00Z", reason: "test")
        let path = directory.path + "/serving.json"
        try JSONEncoder().encode(serving).write(to: URL(fileURLWithPath: path))
        return path
    }

    func lines(_ path: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("the serving side scores with the version serving.json names, logs nothing while paused, and writes outcomes once event time reaches them")
    func pauseAndServing() throws {
        let directory = try TemporaryDirectory()
        let serving = try writeServing(directory, status: .active, version: 3)
        let simulation = ServingSimulation(stream: stream, predictions: directory.path + "/p.jsonl", outcomes: directory.path + "/o.jsonl", serving: serving)
        let first = try simulation.serve(300, effects: [])
        #expect(first.version == 3 && first.scored == 300 && first.withheld == 0)
        let predictions = lines(directory.path + "/p.jsonl")
        #expect(predictions.count == 300)
        #expect(predictions.allSatisfy { $0["version"] as? String == "3" && ($0["score"] as? Double).map { $0 > 0 && $0 < 1 } == true })
        #expect((predictions.first?["features"] as? [String: Any])?.count == SepsisStream.featureNames.count)
        #expect((predictions.first?["attrs"] as? [String: Any])?["site"] as? String == stream.encounter(0).site)
        // Outcomes only up to the clock: none of the last encounter's, since it is at least 6 hours away.
        let outcomes = lines(directory.path + "/o.jsonl")
        let clock = stream.encounter(299).ts
        #expect(outcomes.count == first.outcomesWritten && outcomes.count > 0 && outcomes.count < 300)
        #expect(outcomes.allSatisfy { ($0["ts"] as? Int ?? .max) <= clock })

        _ = try writeServing(directory, status: .paused, version: 3)
        let paused = try simulation.serve(200, effects: [])
        #expect(paused.version == nil && paused.scored == 0 && paused.withheld == 200)
        #expect(lines(directory.path + "/p.jsonl").count == 300, "no prediction is logged while paused")

        _ = try writeServing(directory, status: .active, version: 4)
        let resumed = try simulation.serve(100, effects: [])
        #expect(resumed.version == 4 && resumed.scored == 100)
        let logged = lines(directory.path + "/p.jsonl")
        #expect(logged.count == 400 && logged.last?["id"] as? String == stream.encounter(599).id)
        #expect(simulation.scored == [3: 300, 4: 100] && simulation.withheld == 200)

        // At the end every outcome of a logged prediction is written, and none of the withheld ones.
        try simulation.writeOutcomes()
        let ids = Set(lines(directory.path + "/o.jsonl").compactMap { $0["id"] as? String })
        #expect(ids == Set(logged.compactMap { $0["id"] as? String }))
    }

    @Test("a model file that does not match serving.json's checksum is refused")
    func checksum() throws {
        let directory = try TemporaryDirectory()
        let serving = try writeServing(directory, status: .active, version: 1)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory.path + "/model.json"))
        let simulation = ServingSimulation(stream: stream, predictions: directory.path + "/p.jsonl", outcomes: directory.path + "/o.jsonl", serving: serving)
        #expect(throws: SimulationError.self) { try simulation.serve(10, effects: []) }
    }
}

