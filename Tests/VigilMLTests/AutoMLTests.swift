import Foundation
import Testing
import VigilStats
import VigilTestSupport
@testable import VigilML

@Suite struct AutoMLTests {
    static func table(rows: Int = 800, seed: UInt64 = 11, roles: ColumnRoles = ColumnRoles(target: "label", id: "encounter", ignore: ["patient", "ts"])) throws -> TrainingTable {
        try TrainingTable(RawTable.written(csv: ClinicalTable.csv(rows: rows, seed: seed)), roles: roles)
    }

    @Test("group k-fold never splits a group, and folds are balanced", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func groupFoldsKeepGroupsTogether(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var draw = SplitMix64(seed: seed)
        let groups = (0..<2000).map { _ in "p\(Int(draw.nextUniform() * draw.nextUniform() * 400))" }
        let folds = Folds.grouped(groups: groups, folds: 5, random: &random)
        var foldOfGroup: [String: Int] = [:]
        for (group, fold) in zip(groups, folds) {
            #expect(foldOfGroup[group, default: fold] == fold)
            foldOfGroup[group] = fold
        }
        let sizes = (0..<5).map { fold in folds.filter { $0 == fold }.count }
        #expect(sizes.allSatisfy { $0 > 0 })
        #expect(sizes.max()! - sizes.min()! <= groups.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }.values.max()!)
    }

    @Test func stratifiedFoldsKeepThePrevalence() {
        var random = SeededGenerator(seed: 3)
        let labels = (0..<1000).map { $0 % 10 == 0 }
        let folds = Folds.stratified(labels: labels, folds: 5, random: &random)
        for fold in 0..<5 {
            let rows = labels.indices.filter { folds[$0] == fold }
            #expect(rows.filter { labels[$0] }.count == 20)
        }
    }

    @Test func temporalHoldoutKeepsTheMostRecentRows() {
        let times = (0..<100).map { Double(($0 * 37) % 100) }
        let (past, recent) = Folds.temporalHoldout(times: times, share: 0.2)
        #expect(recent.count == 20)
        #expect(past.map { times[$0] }.max()! < recent.map { times[$0] }.min()!)
    }

    @Test func targetSensitivityPicksTheHighestThresholdReachingIt() {
        let labels = [true, true, true, true, false, false, false, false, true, false]
        let scores = [0.9, 0.8, 0.7, 0.3, 0.6, 0.5, 0.2, 0.1, 0.65, 0.05]
        let point = OperatingPoint.choose(labels: labels, probabilities: scores, targetSensitivity: 0.8)
        // 5 positives: 4 must be at or above the threshold, so it is the 4th highest positive score.
        #expect(point.threshold == 0.65)
        #expect(point.sensitivity.value == 0.8)
        #expect(point.specificity.value == 1)
        let youden = OperatingPoint.choose(labels: labels, probabilities: scores, targetSensitivity: nil)
        #expect(youden.rule == "youden")
        #expect(youden.threshold == 0.65)
    }

    @Test func trainingWithTrialsIsDeterministicAndTheFileRoundTrips() throws {
        let table = try Self.table()
        var request = TrainingRequest(roles: ColumnRoles(target: "label"))
        request.trials = 3
        request.seed = 7
        let first = try AutoML.train(table, request: request)
        let second = try AutoML.train(table, request: request)
        let bytes = try ModelFile.encode(first.document)
        #expect(bytes == (try ModelFile.encode(second.document)))
        let decoded = try ModelFile.decode(bytes, path: "model.json")
        // Scoring with the decoded file gives exactly the probabilities computed at training.
        #expect(TrainedModel(decoded).probabilities(table.features) == first.fitted)
        #expect(try ModelFile.encode(decoded) == bytes)
        #expect(first.document.leaderboard.count == 3)
        #expect(first.document.leaderboard.allSatisfy { $0.fitSeconds == nil })
        #expect(first.document.validation.auroc! > 0.7)
    }

    @Test func aChangedFileOrAnotherFormatIsRefused() throws {
        let table = try Self.table(rows: 300)
        var request = TrainingRequest(roles: ColumnRoles(target: "label"))
        request.trials = 1
        let bytes = try ModelFile.encode(try AutoML.train(table, request: request).document)
        var tampered = bytes
        let index = tampered.firstIndex(of: UInt8(ascii: "7")) ?? 100
        tampered[index] = tampered[index] == UInt8(ascii: "7") ? UInt8(ascii: "8") : UInt8(ascii: "7")
        #expect {
            try ModelFile.decode(tampered, path: "m.json")
        } throws: { error in
            guard case ModelFileError.checksumMismatch(let path, _, _) = error else { return false }
            return path == "m.json" && "\(error)".contains("the file was changed after it was written")
        }
        let other = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "vigil-model/1", with: "vigil-model/2").utf8)
        #expect(throws: ModelFileError.unsupportedFormat(path: "m.json", format: "vigil-model/2")) { try ModelFile.decode(other, path: "m.json") }
        #expect(throws: ModelFileError.malformed(path: "m.json", reason: "not a JSON object: not a Vigil model file")) {
            try ModelFile.decode(Array("garbage".utf8), path: "m.json")
        }
    }

    @Test func temporalValidationHoldsOutTheMostRecentRowsAndGroupsStayTogether() throws {
        let roles = ColumnRoles(target: "label", id: "encounter", group: "patient", time: "ts", subgroups: ["site"])
        let table = try Self.table(rows: 1000, roles: roles)
        var request = TrainingRequest(roles: roles)
        request.trials = 2
        let result = try AutoML.train(table, request: request)
        #expect(result.document.validation.scheme.hasPrefix("temporal holdout"))
        #expect(result.document.validation.rows == 200)
        let validatedTimes = table.times!.indices.filter { result.outOfSample[$0] != nil }.map { table.times![$0] }
        let fittedOnlyTimes = table.times!.indices.filter { result.outOfSample[$0] == nil }.map { table.times![$0] }
        #expect(fittedOnlyTimes.max()! < validatedTimes.min()!)
        #expect(Set(result.document.validation.subgroups.map(\.value)) == ["ED-1", "ED-2", "ED-3"])

        var grouped = roles
        grouped.time = nil
        let groupTable = try Self.table(rows: 1000, roles: grouped)
        var groupRequest = TrainingRequest(roles: grouped)
        groupRequest.trials = 1
        #expect(try AutoML.train(groupTable, request: groupRequest).document.validation.scheme == "5-fold group cross-validation by patient")
    }

    @Test func calibrationLowersTheErrorOfMiscalibratedScores() {
        var random = SplitMix64(seed: 21)
        var labels: [Bool] = []
        var scores: [Double] = []
        for _ in 0..<4000 {
            let z = random.nextNormal()
            labels.append(random.nextUniform() < Logistic.sigmoid(z))
            scores.append(Logistic.sigmoid(3 * z))  // overconfident
        }
        var generator = SeededGenerator(seed: 1)
        let choice = CalibrationChoice.choose(probabilities: scores, labels: labels, random: &generator)
        let before = Calibration.expectedCalibrationError(labels: labels, scores: scores).value!
        let after = Calibration.expectedCalibrationError(labels: labels, scores: choice.crossFitted).value!
        #expect(after < before / 3)
        #expect(choice.logLoss[choice.calibrator.method]! < choice.logLoss["none"]!)
    }

    @Test func aBudgetTooShortForTheBaselineIsAnError() throws {
        let table = try Self.table(rows: 2000)
        var request = TrainingRequest(roles: ColumnRoles(target: "label"))
        request.budgetSeconds = 0.001
        #expect(throws: TrainingError.self) { try AutoML.train(table, request: request) }
    }

    @Test func aLinearModelSeparatesSeparableData() throws {
        var random = SplitMix64(seed: 5)
        var x: [Double] = [], labels: [Bool] = []
        for _ in 0..<400 {
            let value = random.nextUniform() * 2 - 1
            x.append(value)
            labels.append(value > 0.1)
        }
        let pipeline = try FittedPipeline.fit(.linear(LogisticRegressionParameters(inverseRegularization: 1000)),
                                              features: [FeatureColumn(name: "x", numbers: x)], labels: labels, threads: 1, seed: 1)
        let probabilities = pipeline.probabilities([FeatureColumn(name: "x", numbers: x)])
        #expect(ROC.auroc(labels: labels, scores: probabilities).value == 1)
        #expect(zip(probabilities, labels).filter { ($0 >= 0.5) == $1 }.count >= 396)
    }

    @Test func theSearchGoesOnPastThePortfolioUntilTheTrialCount() throws {
        let table = try Self.table(rows: 400)
        var request = TrainingRequest(roles: ColumnRoles(target: "label"))
        request.trials = SearchSpace.portfolio(rows: 400).count + 4
        request.learners = nil
        let result = try AutoML.train(table, request: request)
        #expect(result.document.leaderboard.count == request.trials)
        #expect(Set(result.document.leaderboard.map(\.configuration)).count == request.trials)
    }

    @Test func ensembleSelectionAveragesComplementaryCandidates() {
        // Two candidates, each right about a different half of the rows: their mean ranks all rows.
        let labels = (0..<200).map { $0 % 2 == 0 }
        func candidate(_ informativeHalf: Int) -> AutoML.Candidate {
            let predictions = labels.indices.map { row -> Double in
                row / 100 == informativeHalf ? (labels[row] ? 0.9 : 0.1) : 0.5 + Double(row % 7) / 100
            }
            return AutoML.Candidate(configuration: .linear(LogisticRegressionParameters()), predictions: predictions, foldScores: [0.75],
                                    mean: 0.75, standardError: 0, seconds: 0, bestRounds: [])
        }
        let (weights, score) = AutoML.greedyEnsemble([candidate(0), candidate(1)], rows: Array(labels.indices), labels: labels)
        #expect(weights[0] > 0 && weights[1] > 0)
        #expect(score > 0.95)
    }
}

