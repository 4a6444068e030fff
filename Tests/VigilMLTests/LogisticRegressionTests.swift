import Foundation
import Testing
import VigilTestSupport
@testable import VigilML

/// The logistic regression learner against scikit-learn's fits (`Fixtures/logistic_regression.json`)
/// and on the awkward inputs a retraining job meets.
@Suite struct LogisticRegressionTests {
    nonisolated(unsafe) static let sets = Fixture.records("logistic_regression.json", "sets")
    nonisolated(unsafe) static let cases = Fixture.records("logistic_regression.json", "cases")
    static let l2Cases = cases.indices.filter { cases[$0]["penalty"] as? String == "l2" }
    static let l1Cases = cases.indices.filter { cases[$0]["penalty"] as? String == "l1" }

    /// The data set, parameters and scikit-learn's answer of fixture case `index`.
    struct Reference {
        var matrix: DenseMatrix
        var labels: [Bool]
        var weights: [Double]?
        var parameters: LogisticRegressionParameters
        var coefficients: [Double]
        var intercept: Double
        var objective: Double
        var name: String

        init(_ index: Int) throws {
            let record = LogisticRegressionTests.cases[index]
            let set = LogisticRegressionTests.sets[Int(double(record["set"]))]
            let rows = Int(double(set["rows"]))
            let columns = Int(double(set["columns"]))
            matrix = DenseMatrix(rowCount: rows, columnCount: columns, values: doubles(set["x"]))
            labels = VigilMLTests.labels(set["y"])
            weights = optionalDoubles(set["weights"])
            let penalty = try #require(LogisticRegressionParameters.Penalty(rawValue: record["penalty"] as? String ?? ""))
            // Much tighter than the default, so the comparison measures scikit-learn's answer,
            // not where our iterations happened to stop.
            parameters = LogisticRegressionParameters(
                penalty: penalty, inverseRegularization: double(record["C"]), tolerance: 1e-10,
                maxIterations: 100_000, fitIntercept: record["fit_intercept"] as? Bool ?? true)
            coefficients = doubles(record["coef"])
            intercept = double(record["intercept"])
            objective = double(record["objective"])
            name = record["name"] as? String ?? "case \(index)"
        }
    }

    @Test("the fixtures cover L2 and L1 fits")
    func fixturesArePresent() {
        #expect(Self.l2Cases.count >= 15)
        #expect(Self.l1Cases.count >= 5)
    }

    @Test("L2 coefficients agree with scikit-learn's lbfgs within 1e-5", arguments: l2Cases)
    func l2MatchesScikitLearn(index: Int) throws {
        let reference = try Reference(index)
        let model = try LogisticRegression.fit(reference.matrix, labels: reference.labels, weights: reference.weights,
                                               parameters: reference.parameters)
        #expect(model.converged, "\(reference.name)")
        let tolerance = 1e-5 * max(1, reference.coefficients.map(abs).max() ?? 0)
        for (actual, expected) in zip(model.coefficients, reference.coefficients) {
            #expect(abs(actual - expected) <= tolerance, "\(reference.name): \(model.coefficients) vs \(reference.coefficients)")
        }
        #expect(abs(model.intercept - reference.intercept) <= tolerance, "\(reference.name): intercept \(model.intercept) vs \(reference.intercept)")
        // Our minimum is at least as low as scikit-learn's (to rounding).
        let objective = try LogisticRegression.objective(of: model, on: reference.matrix, labels: reference.labels,
                                                         weights: reference.weights, parameters: reference.parameters)
        #expect(objective <= reference.objective * (1 + 1e-10), "\(reference.name): \(objective) vs \(reference.objective)")
    }

    @Test("L1 objective agrees with scikit-learn's saga within 1e-7 and zeros the same coefficients", arguments: l1Cases)
    func l1MatchesScikitLearn(index: Int) throws {
        let reference = try Reference(index)
        let model = try LogisticRegression.fit(reference.matrix, labels: reference.labels, weights: reference.weights,
                                               parameters: reference.parameters)
        #expect(model.converged, "\(reference.name)")
        let objective = try LogisticRegression.objective(of: model, on: reference.matrix, labels: reference.labels,
                                                         weights: reference.weights, parameters: reference.parameters)
        #expect(abs(objective - reference.objective) <= 1e-7 * reference.objective, "\(reference.name): \(objective) vs \(reference.objective)")
        #expect(model.coefficients.map { $0 == 0 } == reference.coefficients.map { $0 == 0 },
                "\(reference.name): \(model.coefficients) vs \(reference.coefficients)")
        #expect(reference.coefficients.contains(0), "\(reference.name): the case should zero something")
    }

    @Test("the default tolerance already lands within 1e-3 of scikit-learn", arguments: l2Cases.prefix(3))
    func defaultToleranceIsClose(index: Int) throws {
        let reference = try Reference(index)
        var parameters = reference.parameters
        parameters.tolerance = LogisticRegressionParameters().tolerance
        let model = try LogisticRegression.fit(reference.matrix, labels: reference.labels, weights: reference.weights,
                                               parameters: parameters)
        #expect(model.converged)
        for (actual, expected) in zip(model.coefficients, reference.coefficients) {
            #expect(abs(actual - expected) <= 1e-3)
        }
    }

    // MARK: Awkward data

    /// `rows` random standard-normal rows of `columns` features, with labels drawn from
    /// `σ(x·beta + intercept)`.
    static func randomData(rows: Int, beta: [Double], intercept: Double = 0, seed: UInt64) -> (DenseMatrix, [Bool]) {
        var generator = SplitMix64(seed: seed)
        var values = [Double]()
        var labels = [Bool]()
        for _ in 0..<rows {
            let row = beta.map { _ in generator.nextNormal() }
            values.append(contentsOf: row)
            let z = zip(row, beta).reduce(intercept) { $0 + $1.0 * $1.1 }
            labels.append(generator.nextUniform() < 1 / (1 + exp(-z)))
        }
        return (DenseMatrix(rowCount: rows, columnCount: beta.count, values: values), labels)
    }

    @Test("perfectly separable data keeps finite coefficients and classifies every row")
    func separableData() throws {
        var generator = SplitMix64(seed: 7)
        var rows = [[Double]]()
        var labels = [Bool]()
        while rows.count < 200 {
            let a = generator.nextNormal(), b = generator.nextNormal()
            // A margin of 0.2 around the separating line a + b/2 = 0.
            guard abs(a + 0.5 * b) > 0.2 else { continue }
            rows.append([a, b])
            labels.append(a + 0.5 * b > 0)
        }
        let matrix = DenseMatrix(rows: rows)
        // Strong regularization may trade a few rows for smaller weights; weak regularization
        // approaches the maximum-margin direction, which separates.
        for c in [100, 1e4, 1e8] {
            let model = try LogisticRegression.fit(matrix, labels: labels, parameters: .init(inverseRegularization: c))
            #expect(model.converged)
            #expect(model.coefficients.allSatisfy { $0.isFinite } && model.intercept.isFinite)
            let predictions = model.probabilities(of: matrix).map { $0 > 0.5 }
            #expect(predictions == labels, "C = \(c)")
        }
    }

    @Test("two identical columns share the L2 weight equally")
    func identicalColumns() throws {
        let (base, labels) = Self.randomData(rows: 400, beta: [1.0, -2.0, 0.5], seed: 3)
        let rows = (0..<base.rowCount).map { Array(base.row($0)) + [base[$0, 0]] }
        let matrix = DenseMatrix(rows: rows)
        for c in [0.1, 1.0, 1e3] {
            let model = try LogisticRegression.fit(matrix, labels: labels, parameters: .init(inverseRegularization: c))
            #expect(model.converged)
            #expect(model.coefficients.allSatisfy { $0.isFinite })
            #expect(abs(model.coefficients[0] - model.coefficients[3]) <= 1e-9 * abs(model.coefficients[0]), "C = \(c): \(model.coefficients)")
            #expect(abs(model.coefficients[0]) > 0.1)
        }
    }

    @Test("a constant column leaves the fit finite and gets no weight: the intercept absorbs it")
    func constantColumn() throws {
        let (base, labels) = Self.randomData(rows: 300, beta: [1.0, -1.0], intercept: 0.4, seed: 5)
        let matrix = DenseMatrix(rows: (0..<base.rowCount).map { Array(base.row($0)) + [3.0, 0.0] })
        let l2 = try LogisticRegression.fit(matrix, labels: labels, parameters: .init(tolerance: 1e-10))
        #expect(l2.converged)
        #expect(l2.coefficients.allSatisfy { $0.isFinite })
        // The penalty prefers the unpenalized intercept, so the optimum puts nothing on them.
        #expect(abs(l2.coefficients[2]) < 1e-10 && abs(l2.coefficients[3]) < 1e-10, "\(l2.coefficients)")
        #expect(abs(l2.coefficients[0]) > 0.1)
        let l1 = try LogisticRegression.fit(matrix, labels: labels, parameters: .init(penalty: .l1, tolerance: 1e-10))
        #expect(l1.converged)
        #expect(l1.coefficients[2] == 0 && l1.coefficients[3] == 0)
    }

    @Test("raw clinical-looking columns (ages, lab values, flags, tiny ratios) converge in few iterations")
    func badlyScaledColumns() throws {
        var generator = SplitMix64(seed: 19)
        var rows = [[Double]]()
        var labels = [Bool]()
        for _ in 0..<2000 {
            let age = 60 + 12 * generator.nextNormal()
            let creatinine = 90 + 30 * generator.nextNormal()
            let flag = generator.nextUniform() < 0.3 ? 1.0 : 0.0
            let ratio = 0.002 * generator.nextNormal()
            rows.append([age, creatinine, flag, ratio])
            let z = 0.05 * (age - 60) + 0.02 * (creatinine - 90) + 0.8 * flag + 300 * ratio - 0.5
            labels.append(generator.nextUniform() < 1 / (1 + exp(-z)))
        }
        for penalty in [LogisticRegressionParameters.Penalty.l2, .l1] {
            let model = try LogisticRegression.fit(DenseMatrix(rows: rows), labels: labels,
                                                   parameters: .init(penalty: penalty, inverseRegularization: 1e4, tolerance: 1e-8))
            #expect(model.converged && model.iterations < 100, "\(penalty): \(model.iterations) iterations")
            // Weak regularization: close to the generating coefficients, including the ratio's 300.
            #expect(abs(model.coefficients[0] - 0.05) < 0.02 && abs(model.coefficients[3] - 300) < 100, "\(model.coefficients)")
        }
    }

    @Test("integer sample weights act as repeated rows")
    func weightsRepeatRows() throws {
        let (matrix, labels) = Self.randomData(rows: 150, beta: [0.7, -0.3, 1.1], intercept: -0.2, seed: 9)
        let weights = (0..<matrix.rowCount).map { Double($0 % 3) }
        let repeated = (0..<matrix.rowCount).flatMap { i in Array(repeating: i, count: Int(weights[i])) }
        let parameters = LogisticRegressionParameters(tolerance: 1e-11)
        let weighted = try LogisticRegression.fit(matrix, labels: labels, weights: weights, parameters: parameters)
        let expanded = try LogisticRegression.fit(matrix.selecting(rows: repeated), labels: repeated.map { labels[$0] },
                                                  parameters: parameters)
        for (a, b) in zip(weighted.coefficients + [weighted.intercept], expanded.coefficients + [expanded.intercept]) {
            #expect(abs(a - b) <= 1e-8, "\(weighted) vs \(expanded)")
        }
    }

    @Test("the same input gives a bit-identical model")
    func deterministic() throws {
        let (matrix, labels) = Self.randomData(rows: 3000, beta: [0.5, -1, 0, 2, 0.1, -0.4, 0.3], seed: 11)
        for penalty in [LogisticRegressionParameters.Penalty.l2, .l1] {
            let parameters = LogisticRegressionParameters(penalty: penalty, inverseRegularization: 0.05)
            let first = try LogisticRegression.fit(matrix, labels: labels, parameters: parameters)
            let second = try LogisticRegression.fit(matrix, labels: labels, parameters: parameters)
            #expect(first == second)
            #expect(first.coefficients.map(\.bitPattern) == second.coefficients.map(\.bitPattern))
        }
    }

    @Test("without columns the intercept is the log-odds of the weighted outcome rate")
    func interceptOnly() throws {
        let matrix = DenseMatrix(rowCount: 5, columnCount: 0, values: [])
        let model = try LogisticRegression.fit(matrix, labels: [true, false, false, true, false], weights: [1, 1, 1, 2, 2],
                                               parameters: .init(tolerance: 1e-12))
        #expect(model.coefficients.isEmpty)
        #expect(abs(model.intercept - log(3.0 / 4.0)) < 1e-12)
    }

    @Test("one iteration is reported as not converged")
    func iterationLimit() throws {
        let (matrix, labels) = Self.randomData(rows: 500, beta: [2, -1, 1.5], seed: 13)
        let model = try LogisticRegression.fit(matrix, labels: labels, parameters: .init(tolerance: 1e-12, maxIterations: 1))
        #expect(model.iterations == 1)
        #expect(!model.converged)
    }

    // MARK: Errors

    @Test("a single class is an error that says which")
    func singleClass() {
        let matrix = DenseMatrix(rows: [[1, 2], [3, 4], [5, 6]])
        #expect(throws: LogisticRegressionError.singleClass(positive: true)) {
            try LogisticRegression.fit(matrix, labels: [true, true, true])
        }
        // Rows without weight do not count as a class.
        #expect(throws: LogisticRegressionError.singleClass(positive: false)) {
            try LogisticRegression.fit(matrix, labels: [false, true, false], weights: [1, 0, 2])
        }
        #expect(LogisticRegressionError.singleClass(positive: true).description.contains("only positive outcomes"))
    }

    @Test("non-finite features, bad weights, mismatched lengths and bad settings are errors")
    func invalidInput() {
        let matrix = DenseMatrix(rows: [[1, 2], [3, .nan], [5, 6]])
        #expect(throws: LogisticRegressionError.nonFiniteFeature(row: 1, column: 1)) {
            try LogisticRegression.fit(matrix, labels: [true, false, true])
        }
        let finite = DenseMatrix(rows: [[1, 2], [3, 4], [5, 6]])
        #expect(throws: LogisticRegressionError.labelCountMismatch(rows: 3, labels: 2)) {
            try LogisticRegression.fit(finite, labels: [true, false])
        }
        #expect(throws: LogisticRegressionError.invalidWeight(row: 2, weight: -1)) {
            try LogisticRegression.fit(finite, labels: [true, false, true], weights: [1, 1, -1])
        }
        #expect(throws: LogisticRegressionError.zeroTotalWeight) {
            try LogisticRegression.fit(finite, labels: [true, false, true], weights: [0, 0, 0])
        }
        #expect(throws: LogisticRegressionError.noRows) {
            try LogisticRegression.fit(DenseMatrix(rows: []), labels: [])
        }
        #expect(throws: LogisticRegressionError.self) {
            try LogisticRegression.fit(finite, labels: [true, false, true], parameters: .init(inverseRegularization: 0))
        }
    }

    // MARK: The model

    @Test("probabilities neither overflow nor lose the tails for huge decision values")
    func stableSigmoid() {
        let model = LogisticRegressionModel(coefficients: [1], intercept: 0, iterations: 0, converged: true)
        #expect(model.probability([1000.0]) == 1)
        #expect(model.probability([-1000.0]) == 0)
        #expect(model.probability([-700.0]) > 0)
        #expect(abs(model.probability([-30.0]) - exp(-30) / (1 + exp(-30))) <= 1e-28)
        #expect(model.probability([0.0]) == 0.5)
        #expect(model.probabilities(of: DenseMatrix(rows: [[800], [-800]])) == [1, 0])
    }

    @Test("single-row and whole-matrix predictions agree to the bit")
    func batchMatchesSingleRow() throws {
        let (matrix, labels) = Self.randomData(rows: 50, beta: [0.3, -0.2, 0.9, 1.4, -0.6, 0.1, 0.2], seed: 17)
        let model = try LogisticRegression.fit(matrix, labels: labels)
        let batch = model.decisionValues(of: matrix)
        let single = (0..<matrix.rowCount).map { model.decisionValue(matrix.row($0)) }
        #expect(batch.map(\.bitPattern) == single.map(\.bitPattern))
        #expect(model.probabilities(of: matrix) == (0..<matrix.rowCount).map { model.probability(matrix.row($0)) })
    }

    @Test("models and parameters round-trip through JSON; absent settings take their defaults")
    func codable() throws {
        let model = LogisticRegressionModel(coefficients: [0.1, -2.5e-17], intercept: 3, iterations: 12, converged: false)
        let decoded = try JSONDecoder().decode(LogisticRegressionModel.self, from: JSONEncoder().encode(model))
        #expect(decoded == model)
        let parameters = try JSONDecoder().decode(LogisticRegressionParameters.self, from: Data(#"{"penalty":"l1","inverseRegularization":0.5}"#.utf8))
        #expect(parameters == LogisticRegressionParameters(penalty: .l1, inverseRegularization: 0.5))
        #expect(parameters.maxIterations == 1000 && parameters.tolerance == 1e-6 && parameters.fitIntercept)
    }
}
