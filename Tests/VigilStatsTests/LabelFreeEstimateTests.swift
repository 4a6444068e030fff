import Testing
import VigilTestSupport
@testable import VigilStats

/// Confidence-based performance estimation against independent formulas.
struct LabelFreeEstimateTests {
    @Test("the expected confusion matrix sums each score as the probability of the event")
    func confusionMatrix() throws {
        let estimate = LabelFreeEstimate(scores: [0.9, 0.6, 0.3, 0.1], threshold: 0.5)
        #expect(abs(estimate.truePositives - 1.5) < 1e-12)
        #expect(abs(estimate.falsePositives - 0.5) < 1e-12)
        #expect(abs(estimate.falseNegatives - 0.4) < 1e-12)
        #expect(abs(estimate.trueNegatives - 1.6) < 1e-12)
        #expect(abs(try #require(estimate.sensitivity.value) - 1.5 / 1.9) < 1e-12)
        #expect(abs(try #require(estimate.specificity.value) - 1.6 / 2.1) < 1e-12)
        #expect(abs(try #require(estimate.positivePredictiveValue.value) - 0.75) < 1e-12)
    }

    /// The expected-ROC area equals a Mann-Whitney sum with each ordered pair (i, j) weighted by
    /// s_i (1 - s_j), self pairs and ties counting one half.
    static func weightedMannWhitney(_ scores: [Double]) -> Double {
        var numerator = 0.0
        for i in scores.indices {
            for j in scores.indices {
                let weight = scores[i] * (1 - scores[j])
                if scores[i] > scores[j] { numerator += weight } else if scores[i] == scores[j] { numerator += weight / 2 }
            }
        }
        let positives = scores.reduce(0, +)
        return numerator / (positives * (Double(scores.count) - positives))
    }

    @Test("the expected AUROC equals the weighted Mann-Whitney sum, with and without ties")
    func expectedAUROC() throws {
        var generator = SplitMix64(seed: 20261129)
        for size in [2, 5, 50, 400] {
            let scores = (0..<size).map { _ in generator.nextUniform() }
            let tied = scores.map { ($0 * 10).rounded() / 10 }
            for sample in [scores, tied] {
                let estimate = try #require(LabelFreeEstimate(scores: sample, threshold: 0.5).auroc.value)
                #expect(abs(estimate - Self.weightedMannWhitney(sample)) < 1e-12)
            }
        }
    }

    @Test("on labels drawn from calibrated scores the estimate is close to the realized AUROC")
    func calibratedScores() throws {
        var generator = SplitMix64(seed: 7)
        let scores = (0..<20_000).map { _ in generator.nextUniform() * generator.nextUniform() }
        let labels = scores.map { generator.nextUniform() < $0 }
        let realized = try #require(ROC.auroc(labels: labels, scores: scores).value)
        let estimated = try #require(LabelFreeEstimate(scores: scores, threshold: 0.3).auroc.value)
        #expect(abs(realized - estimated) < 0.02)
    }

    @Test("undefined without predictions, or when every score is certain")
    func undefined() {
        #expect(LabelFreeEstimate(scores: [], threshold: 0.5).auroc.value == nil)
        #expect(LabelFreeEstimate(scores: [1, 1, 0, 0], threshold: 0.5).auroc.value == 1)
        #expect(LabelFreeEstimate(scores: [1, 1], threshold: 0.5).auroc.value == nil)
    }
}
