import Foundation
import Testing
@testable import VigilStats

struct KolmogorovSmirnovTests {
    nonisolated(unsafe) static let cases = (try? Fixture.records("ks_2samp.json", "cases")) ?? []

    @Test("two-sample KS agrees with scipy.stats.ks_2samp", arguments: cases.indices)
    func agreesWithScipy(index: Int) throws {
        let record = Self.cases[index]
        let name = record["name"] as? String ?? ""
        let reference = try Fixture.sample(record, "reference").sorted()
        let current = try Fixture.sample(record, "current").sorted()
        let result = try #require(KolmogorovSmirnov.test(sortedReference: reference, sortedCurrent: current))
        let expectedD = double(record["statistic"])
        let expectedP = double(record["pvalue"])
        #expect(abs(result.statistic - expectedD) <= 1e-12, "\(name): D \(result.statistic) vs \(expectedD)")
        #expect(isCloseKSPValue(result.pValue, expectedP), "\(name): p \(result.pValue) vs \(expectedP)")
        // Far tails must also agree relatively, not just absolutely.
        if expectedP < 1e-6 {
            #expect(isCloseKSPValueRelative(result.pValue, expectedP), "\(name): p \(result.pValue) vs \(expectedP)")
        }
        let usesExact = max(reference.count, current.count) <= KolmogorovSmirnov.largestExactSampleSize
            && !(record["fell_back_to_asymp"] as? Bool ?? false)
        #expect(result.method == (usesExact ? .exact : .asymptotic), "\(name)")
    }

    @Test("the fixtures cover the exact fallback and both large-sample paths")
    func fixturesCoverPaths() {
        #expect(Self.cases.count >= 20)
        #expect(Self.cases.contains { $0["fell_back_to_asymp"] as? Bool == true })
        #expect(Self.cases.contains { ($0["current_generator"] as? [String: Any]).map { double($0["count"]) > 10_000 } ?? false })
    }

    @Test("an empty sample has no statistic")
    func emptySample() {
        #expect(KolmogorovSmirnov.test(sortedReference: [Double](), sortedCurrent: [1.0]) == nil)
        #expect(KolmogorovSmirnov.test(sortedReference: [1.0], sortedCurrent: [Double]()) == nil)
    }

    @Test("the statistic is symmetric in the two samples")
    func symmetric() throws {
        let a = SplitMixSample.expand(["seed": 5, "count": 300, "scale": 1.0, "shift": 0.0, "resolution": 10]).sorted()
        let b = SplitMixSample.expand(["seed": 6, "count": 170, "scale": 1.0, "shift": 0.3, "resolution": 10]).sorted()
        let ab = try #require(KolmogorovSmirnov.statistic(sortedReference: a, sortedCurrent: b))
        let ba = try #require(KolmogorovSmirnov.statistic(sortedReference: b, sortedCurrent: a))
        #expect(abs(ab - ba) <= 1e-15)
    }
}

struct KolmogorovDistributionTests {
    nonisolated(unsafe) static let fixture = (try? Fixture.load("special_functions.json")) ?? [:]
    nonisolated(unsafe) static let kolmogorov = fixture["kolmogorov"] as? [[String: Any]] ?? []
    nonisolated(unsafe) static let smirnov = fixture["smirnov"] as? [[String: Any]] ?? []
    nonisolated(unsafe) static let kstwo = fixture["kstwo"] as? [[String: Any]] ?? []

    @Test("limiting survival agrees with scipy.special.kolmogorov, far tails included", arguments: kolmogorov.indices)
    func limiting(index: Int) {
        let record = Self.kolmogorov[index]
        let x = double(record["x"])
        let expected = double(record["sf"])
        #expect(isClose(KolmogorovDistribution.limitingSurvival(x), expected, relative: 1e-12, absolute: 1e-300), "x = \(x)")
    }

    @Test("one-sided survival agrees with scipy.special.smirnov", arguments: smirnov.indices)
    func oneSided(index: Int) {
        let record = Self.smirnov[index]
        let n = Int(double(record["n"]))
        let x = double(record["x"])
        let expected = double(record["sf"])
        let actual = KolmogorovDistribution.oneSidedSurvival(sampleSize: n, x)
        #expect(isClose(actual, expected, relative: 1e-9, absolute: 1e-300), "n = \(n), x = \(x): \(actual) vs \(expected)")
    }

    @Test("two-sided survival agrees with scipy.stats.kstwo.sf", arguments: kstwo.indices)
    func twoSided(index: Int) {
        let record = Self.kstwo[index]
        let n = Int(double(record["n"]))
        let x = double(record["x"])
        let expected = double(record["sf"])
        let actual = KolmogorovDistribution.twoSidedSurvival(sampleSize: n, x)
        #expect(isClose(actual, expected, relative: 1e-9, absolute: 1e-13), "n = \(n), x = \(x): \(actual) vs \(expected)")
    }
}

struct EmpiricalDistributionWalkTests {
    /// The definitions evaluated directly: CDFs after ties at every pooled value.
    static func bruteForce(_ a: [Double], _ b: [Double]) -> (d: Double, w: Double) {
        let pooled = Array(Set(a + b)).sorted()
        func cdf(_ sample: [Double], _ x: Double) -> Double { Double(sample.count { $0 <= x }) / Double(sample.count) }
        var d = 0.0
        var w = 0.0
        for (index, x) in pooled.enumerated() {
            let difference = cdf(a, x) - cdf(b, x)
            d = max(d, abs(difference))
            if index + 1 < pooled.count { w += abs(difference) * (pooled[index + 1] - x) }
        }
        return (d, w)
    }

    @Test("the two-ended merge walk matches the definitions on tie-heavy samples of every size parity",
          arguments: 0..<60)
    func matchesDefinition(seed: Int) throws {
        let n = 1 + seed % 7 + (seed % 3) * 5
        let m = 1 + (seed * 7) % 11
        let resolution = Double(1 + seed % 4)
        let a = SplitMixSample.expand(["seed": seed, "count": n, "scale": 2.0, "shift": 0.0, "resolution": resolution]).sorted()
        let b = SplitMixSample.expand(["seed": seed + 1000, "count": m, "scale": 2.0, "shift": 0.3, "resolution": resolution]).sorted()
        let expected = Self.bruteForce(a, b)
        let d = try #require(KolmogorovSmirnov.statistic(sortedReference: a, sortedCurrent: b))
        let w = try #require(Wasserstein.distance(sortedReference: a, sortedCurrent: b))
        #expect(abs(d - expected.d) <= 1e-15, "n = \(n), m = \(m)")
        #expect(abs(w - expected.w) <= 1e-12 * max(1, expected.w), "n = \(n), m = \(m)")
    }
}

struct DistinctValueWalkTests {
    /// A tie-heavy sample around zero in which every other zero is `-0.0`.
    static func sample(seed: Int, count: Int, shift: Double, resolution: Double) -> [Double] {
        var flip = false
        return SplitMixSample.expand(["seed": seed, "count": count, "scale": 2.0, "shift": shift, "resolution": resolution])
            .map { value in
                guard value == 0 else { return value }
                flip.toggle()
                return flip ? -0.0 : 0.0
            }
    }

    static func bits(_ walk: EmpiricalDistributionWalk) -> [UInt64] {
        [walk.largestPositiveDifference.bitPattern, walk.largestNegativeDifference.bitPattern, walk.wasserstein.bitPattern]
    }

    @Test("the walk over distinct values is bit-identical to the walk over every value", arguments: 0..<80)
    func matchesValueByValueWalk(seed: Int) {
        let n = 1 + (seed * 37) % 900 + (seed % 5 == 0 ? 4000 : 0)
        let m = 1 + (seed * 13) % 301
        let resolution = [1.0, 4, 100, 0][seed % 4]
        let reference = RadixSort.sorted(Self.sample(seed: seed, count: n, shift: 0, resolution: resolution))
        let current = RadixSort.sorted(Self.sample(seed: seed + 5000, count: m, shift: seed % 3 == 0 ? 0.4 : 0, resolution: resolution))
        let expected = EmpiricalDistributionWalk.walk(reference, current)
        let distinct = EmpiricalDistributionWalk(reference: SortedSample(sorted: reference), current: RadixSort.sortedSample(current))
        #expect(Self.bits(distinct) == Self.bits(expected), "n = \(n), m = \(m), resolution = \(resolution)")
        // And with the roles swapped (the larger sample as the window).
        let swapped = EmpiricalDistributionWalk.walk(current, reference)
        #expect(Self.bits(EmpiricalDistributionWalk(reference: SortedSample(sorted: current), current: SortedSample(sorted: reference))) == Self.bits(swapped))
    }

    @Test("a sample that is one tied value, and samples with infinities, walk as before")
    func edgeCases() {
        let constant = [Double](repeating: 2.5, count: 40)
        let spread = RadixSort.sorted(Self.sample(seed: 7, count: 300, shift: 2.5, resolution: 2))
        let infinite = [-Double.infinity, -Double.infinity, -1, 0, 3, .infinity]
        for (reference, current) in [(constant, spread), (spread, constant), (constant, constant), (spread, infinite), (infinite, spread)] {
            let expected = EmpiricalDistributionWalk.walk(reference, current)
            let distinct = EmpiricalDistributionWalk(reference: SortedSample(sorted: reference), current: SortedSample(sorted: current))
            #expect(Self.bits(distinct) == Self.bits(expected))
        }
    }

    @Test("a sorted sample gives back its values, signed zeros included, and encodes as them")
    func roundTrips() throws {
        let values = RadixSort.sorted(Self.sample(seed: 11, count: 3000, shift: 0, resolution: 3) + [-0.0, 0.0, -0.0])
        let sample = RadixSort.sortedSample(values)
        #expect(sample.count == values.count)
        #expect(sample.distinctCount == Set(values).count)
        #expect(sample.sortedValues.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(sample == SortedSample(sorted: values))
        let json = try JSONEncoder().encode(sample)
        #expect(try JSONDecoder().decode([Double].self, from: json).map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try JSONDecoder().decode(SortedSample.self, from: json) == sample)
        let empty = SortedSample(sorted: [Double]())
        #expect(empty.isEmpty && empty.sortedValues.isEmpty && empty.distinctCount == 0)
    }
}

struct StoredProfileFormatTests {
    @Test("a numeric reference profile still encodes its sorted values as a plain array under sortedValues")
    func encodesSortedValues() throws {
        let values = [3.5, -0.0, 1.25, 1.25, .nan, 0.0, 7.0, 1.25]
        let profile = NumericReferenceProfile(name: "x", values: values, binCount: 4)
        let json = try JSONEncoder().encode(profile)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["type", "name", "rowCount", "missingCount", "binCount", "edges", "binCounts",
                                     "minimum", "maximum", "mean", "standardDeviation", "sortedValues", "isSampled"])
        let stored = try #require(object["sortedValues"] as? [Double])
        #expect(stored == [-0.0, 0.0, 1.25, 1.25, 1.25, 3.5, 7.0])
        #expect(profile.sortedValues.map(\.bitPattern) == RadixSort.sorted(values.filter { !$0.isNaN }).map(\.bitPattern))
        let decoded = try JSONDecoder().decode(NumericReferenceProfile.self, from: json)
        #expect(decoded == profile)
        #expect(decoded.sample.count == 7 && decoded.sample.distinctCount == 4)
    }
}
