import Foundation
import Testing
import VigilTestSupport

/// `vigil train` and `vigil score` as a data scientist or the retraining loop runs them.
struct TrainCommandTests {
    @Test("vigil train writes a model file and card; vigil score reproduces the training-time probabilities exactly")
    func trainAndScore() async throws {
        let scratch = try Scratch()
        let data = try scratch.write("train.csv", ClinicalTable.csv(rows: 900, seed: 31))
        let model = scratch.file("model.json"), card = scratch.file("card.md"), predictions = scratch.file("predictions.csv")
        let train = try await runToCompletion(Binaries.vigil, [
            "train", "--data", data, "--target", "label", "--id", "encounter", "--group", "patient", "--ignore", "ts",
            "--subgroups", "site", "--trials", "3", "--target-sensitivity", "0.8", "--intended-use", "Sepsis screening in the ED.",
            "--out", model, "--report", card, "--predictions", predictions])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("validation:   5-fold group cross-validation by patient"))
        #expect(train.stderr.isEmpty)
        let cardText = try String(contentsOfFile: card, encoding: .utf8)
        for section in ["## Intended use", "Sepsis screening in the ED.", "## Leaderboard", "## Subgroups", "| site | ED-2 |", "## Calibration", "sensitivity ≥ 0.80"] {
            #expect(cardText.contains(section), "card lacks \(section)")
        }

        let score = try await runToCompletion(Binaries.vigil, ["score", "--model", model, "--data", data, "--keep", "encounter"])
        #expect(score.status == 0, "\(score.stderr)")
        let scoredLines = score.stdout.split(separator: "\n")
        #expect(scoredLines.first == "encounter,score,label_pred")
        let predictionLines = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(predictionLines.first == "row,id,out_of_sample,fitted")
        #expect(scoredLines.count == 901 && predictionLines.count == 901)
        for (scored, predicted) in zip(scoredLines.dropFirst(), predictionLines.dropFirst()) {
            let scoredFields = scored.split(separator: ",", omittingEmptySubsequences: false)
            let predictedFields = predicted.split(separator: ",", omittingEmptySubsequences: false)
            #expect(scoredFields[0] == predictedFields[1])
            #expect(scoredFields[1] == predictedFields[3], "row \(predictedFields[0]): scored \(scoredFields[1]), fitted \(predictedFields[3])")
        }
    }

    @Test("on a terminal vigil train shows a progress bar with the best AUROC so far; off one it is silent")
    func progressBar() async throws {
        let scratch = try Scratch()
        let data = try scratch.write("train.csv", ClinicalTable.csv(rows: 300, seed: 35))
        // script(1) (util-linux) runs the command on a pseudo-terminal and copies what it writes.
        let command = "\(Binaries.vigil.path) train --data \(data) --target label --ignore encounter,patient,ts --trials 2 --out \(scratch.file("m.json"))"
        let onTerminal = try await runToCompletion(URL(fileURLWithPath: "/usr/bin/script"), ["-qfec", command, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("1 candidate  best AUROC 0."))
        #expect(onTerminal.stdout.contains("] "))
        #expect(onTerminal.stdout.contains("2 candidates  best AUROC 0."))
        let offTerminal = try await runToCompletion(Binaries.vigil, ["train", "--data", data, "--target", "label", "--ignore", "encounter,patient,ts",
                                                                     "--trials", "2", "--out", scratch.file("m2.json")])
        #expect(offTerminal.status == 0)
        #expect(offTerminal.stderr.isEmpty)
    }

    @Test("the same data, seed and trials give a byte-identical model file")
    func deterministic() async throws {
        let scratch = try Scratch()
        let data = try scratch.write("train.csv", ClinicalTable.csv(rows: 600, seed: 32))
        var files: [Data] = []
        for run in 0..<2 {
            let out = scratch.file("model-\(run).json")
            let result = try await runToCompletion(Binaries.vigil, ["train", "--data", data, "--target", "label", "--ignore", "encounter,patient,ts",
                                                                    "--trials", "4", "--seed", "5", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            files.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        #expect(files[0] == files[1])
        #expect(files[0].count > 1000)
    }

    @Test("bad training data exits 65 naming the cause", arguments: [
        ("one class", "label\n" + String(repeating: "0\n", count: 50), "has one class only"),
        ("few positives", "x,label\n" + (0..<60).map { "\($0),\($0 < 10 ? 1 : 0)" }.joined(separator: "\n") + "\n", "10 positive and 50 negative rows; each class needs at least 20"),
        ("not binary", "x,label\n" + (0..<60).map { "\($0),\($0 % 3)" }.joined(separator: "\n") + "\n", "is not binary"),
        ("no usable feature", "x,label\n" + (0..<60).map { "5,\($0 % 2)" }.joined(separator: "\n") + "\n", "no usable feature columns"),
    ])
    func badData(name: String, csv: String, message: String) async throws {
        let scratch = try Scratch()
        let data = try scratch.write("bad.csv", csv)
        let result = try await runToCompletion(Binaries.vigil, ["train", "--data", data, "--target", "label", "--trials", "1", "--out", scratch.file("m.json")])
        #expect(result.status == 65, "\(name): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(name): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("m.json")))
    }

    @Test("a budget too short for the baseline exits 65 and says so")
    func budgetTooShort() async throws {
        let scratch = try Scratch()
        let data = try scratch.write("train.csv", ClinicalTable.csv(rows: 3000, seed: 33))
        let result = try await runToCompletion(Binaries.vigil, ["train", "--data", data, "--target", "label", "--budget", "0.001", "--out", scratch.file("m.json")])
        #expect(result.status == 65)
        #expect(result.stderr.contains("is too short: even the baseline model took"))
    }

    @Test("vigil score refuses a changed model file and names a missing feature column")
    func scoreErrors() async throws {
        let scratch = try Scratch()
        let data = try scratch.write("train.csv", ClinicalTable.csv(rows: 400, seed: 34))
        let model = scratch.file("model.json")
        let train = try await runToCompletion(Binaries.vigil, ["train", "--data", data, "--target", "label", "--ignore", "encounter,patient,ts",
                                                               "--trials", "1", "--out", model])
        #expect(train.status == 0, "\(train.stderr)")
        let withoutLactate = try scratch.write("score.csv", "age,heart_rate,wbc,site,ward,on_pressors\n50,80,7,ED-1,W1,false\n")
        let missing = try await runToCompletion(Binaries.vigil, ["score", "--model", model, "--data", withoutLactate])
        #expect(missing.status == 65)
        #expect(missing.stderr == "vigil: \(withoutLactate): the model's feature \"lactate\" is not a column of the data\n")

        var text = try String(contentsOfFile: model, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"rows\":400", with: "\"rows\":401")
        try text.write(toFile: model, atomically: true, encoding: .utf8)
        let changed = try await runToCompletion(Binaries.vigil, ["score", "--model", model, "--data", data])
        #expect(changed.status == 65)
        #expect(changed.stderr.contains("checksum mismatch"))
    }
}
