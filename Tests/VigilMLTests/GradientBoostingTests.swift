import Testing
import VigilStats
import VigilTestSupport
@testable import VigilML

@Suite struct GradientBoostingTests {
    /// XOR of two signs: no single split helps, so a learner must combine two.
    static func xor(rows: Int, seed: UInt64) -> (features: [FeatureColumn], labels: [Bool]) {
        var random = SplitMix64(seed: seed)
        var x = [Double](), y = [Double](), labels = [Bool]()
        for _ in 0..<rows {
            let a = random.nextUniform() * 2 - 1, b = random.nextUniform() * 2 - 1
            x.append(a)
            y.append(b)
            labels.append((a > 0) != (b > 0))
        }
        return ([FeatureColumn(name: "x", numbers: x), FeatureColumn(name: "y", numbers: y)], labels)
    }

    @Test func boostedTreesLearnXOR() {
        let train = Self.xor(rows: 4000, seed: 1)
        let test = Self.xor(rows: 2000, seed: 2)
        let binned = BinnedDataset(fitting: train.features)
        let model = GradientBoosting.fit(binned, labels: train.labels, parameters: BoostingParameters())
        let scores = model.probabilities(BinnedDataset(test.features, mappers: binned.mappers))
        #expect(model.trees.count == 100)
        #expect(ROC.auroc(labels: test.labels, scores: scores).value! > 0.99)
    }

    @Test func missingValuesGoToTheBetterSide() {
        // Missing x means positive; present x carries no signal.
        var random = SplitMix64(seed: 3)
        var x = [Double](), labels = [Bool]()
        for row in 0..<3000 {
            let missing = row % 4 == 0
            x.append(missing ? .nan : random.nextUniform())
            labels.append(missing ? true : random.nextUniform() < 0.1)
        }
        let data = BinnedDataset(fitting: [FeatureColumn(name: "x", numbers: x)])
        let model = GradientBoosting.fit(data, labels: labels, parameters: BoostingParameters())
        let probabilities = model.probabilities(data)
        #expect(probabilities[0] > 0.95)
        #expect(probabilities[1] < 0.2)
    }

    @Test func categoriesSplitBySet() {
        // Categories c0…c9: even ones are positive 80% of the time, odd ones 10%.
        var random = SplitMix64(seed: 4)
        var categories = [String?](), labels = [Bool]()
        for _ in 0..<5000 {
            let category = Int(random.nextUniform() * 10)
            categories.append("c\(category)")
            labels.append(random.nextUniform() < (category % 2 == 0 ? 0.8 : 0.1))
        }
        let data = BinnedDataset(fitting: [FeatureColumn(name: "c", categories: categories)])
        var parameters = BoostingParameters()
        parameters.rounds = 1
        parameters.leaves = 2
        let model = GradientBoosting.fit(data, labels: labels, parameters: parameters)
        let leftBins = Set(model.trees[0].categoricalBins[0].map { data.mappers[0].categories[Int($0)] })
        #expect(leftBins == ["c1", "c3", "c5", "c7", "c9"] || leftBins == ["c0", "c2", "c4", "c6", "c8"])
    }

    @Test func earlyStoppingKeepsTheBestRound() {
        let train = Self.xor(rows: 2000, seed: 5)
        let validation = Self.xor(rows: 1000, seed: 6)
        let binned = BinnedDataset(fitting: train.features)
        var parameters = BoostingParameters()
        parameters.rounds = 1000
        parameters.learningRate = 0.3
        parameters.earlyStoppingRounds = 10
        let model = GradientBoosting.fit(binned, labels: train.labels, parameters: parameters,
                                         validation: (BinnedDataset(validation.features, mappers: binned.mappers), validation.labels))
        #expect(model.bestRound < 1000)
        #expect(model.trees.count == model.bestRound)
    }

    @Test func fittingIsDeterministicWithSubsampling() {
        let train = Self.xor(rows: 3000, seed: 7)
        let binned = BinnedDataset(fitting: train.features)
        var parameters = BoostingParameters()
        parameters.rowSubsample = 0.7
        parameters.columnSubsample = 0.5
        let first = GradientBoosting.fit(binned, labels: train.labels, parameters: parameters, seed: 9)
        let second = GradientBoosting.fit(binned, labels: train.labels, parameters: parameters, seed: 9)
        let third = GradientBoosting.fit(binned, labels: train.labels, parameters: parameters, seed: 10)
        #expect(first == second)
        #expect(first != third)
    }

    @Test func binsAreEqualFrequencyAndEveryDistinctValueWhenFew() {
        #expect(BinMapper.upperBounds([1, 1, 2, 3], maximumBins: 255) == [1.5, 2.5, .infinity])
        let many = (0..<1000).map(Double.init)
        let bounds = BinMapper.upperBounds(many, maximumBins: 10)
        #expect(bounds.count == 10)
        #expect(bounds.first == 99.5)
        // One value holding most rows gets a bin of its own.
        let skewed = [Double](repeating: 0, count: 900) + (1...100).map(Double.init)
        #expect(BinMapper.upperBounds(skewed, maximumBins: 5).first == 0.5)
    }
}
