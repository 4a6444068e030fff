import Testing
@testable import VigilStats

struct SpecialFunctionsTests {
    nonisolated(unsafe) static let fixture = (try? Fixture.load("special_functions.json")) ?? [:]
    nonisolated(unsafe) static let chi2 = fixture["chi2"] as? [[String: Any]] ?? []
    nonisolated(unsafe) static let gamma = fixture["gammaincc"] as? [[String: Any]] ?? []

    @Test("chi-square survival agrees with scipy.stats.chi2.sf down to 1e-300", arguments: chi2.indices)
    func chiSquare(index: Int) {
        let record = Self.chi2[index]
        let df = double(record["df"])
        let x = double(record["x"])
        let expected = double(record["sf"])
        let actual = SpecialFunctions.chiSquareSurvival(x, degreesOfFreedom: df)
        #expect(isClose(actual, expected, relative: 1e-9, absolute: 1e-305), "df = \(df), x = \(x): \(actual) vs \(expected)")
    }

    @Test("regularized incomplete gammas agree with scipy.special.gammaincc and gammainc", arguments: gamma.indices)
    func incompleteGamma(index: Int) {
        let record = Self.gamma[index]
        let a = double(record["a"])
        let x = double(record["x"])
        #expect(isClose(SpecialFunctions.regularizedUpperGamma(a, x), double(record["q"]), relative: 1e-9, absolute: 1e-305), "Q(\(a), \(x))")
        #expect(isClose(SpecialFunctions.regularizedLowerGamma(a, x), double(record["p"]), relative: 1e-9, absolute: 1e-305), "P(\(a), \(x))")
    }

    @Test("the fixtures include chi-square p-values near 1e-300")
    func coversFarTail() {
        #expect(Self.chi2.contains { let p = double($0["sf"]); return p > 0 && p < 1e-250 })
    }
}
