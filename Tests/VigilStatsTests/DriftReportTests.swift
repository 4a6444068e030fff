import Foundation
import Testing
@testable import VigilStats

struct DriftReportTests {
    nonisolated(unsafe) static let datasets = (try? Fixture.records("drift.json", "datasets")) ?? []

    /// The two-array evaluation of every column of a fixture dataset.
    static func drifts(_ dataset: [String: Any]) -> [ColumnDrift] {
        let bins = Int(double(dataset["bins"]))
        let numeric = (dataset["numeric"] as? [[String: Any]] ?? []).map { column in
            ColumnDrift.numeric(
                name: column["name"] as! String,
                reference: (column["reference"] as! [Any]).map(double),
                current: (column["current"] as! [Any]).map(double),
                binCount: bins)
        }
        let categorical = (dataset["categorical"] as? [[String: Any]] ?? []).map { column in
            ColumnDrift.categorical(
                name: column["name"] as! String,
                reference: (column["reference"] as! [Any]).map { $0 as? String },
                current: (column["current"] as! [Any]).map { $0 as? String })
        }
        return numeric + categorical
    }

    /// A profile of the dataset's reference columns and windows of its current columns.
    static func profileAndWindows(_ dataset: [String: Any]) -> (ReferenceProfile, [String: NumericWindow], [String: CategoricalWindow]) {
        let bins = Int(double(dataset["bins"]))
        var profiles: [ColumnProfile] = []
        var numericWindows: [String: NumericWindow] = [:]
        var categoricalWindows: [String: CategoricalWindow] = [:]
        for column in dataset["numeric"] as? [[String: Any]] ?? [] {
            let name = column["name"] as! String
            profiles.append(.numeric(NumericReferenceProfile(name: name, values: (column["reference"] as! [Any]).map(double), binCount: bins)))
            var window = NumericWindow()
            for value in (column["current"] as! [Any]).map(double) { window.append(value) }
            numericWindows[name] = window
        }
        for column in dataset["categorical"] as? [[String: Any]] ?? [] {
            let name = column["name"] as! String
            profiles.append(.categorical(CategoricalReferenceProfile(name: name, values: (column["reference"] as! [Any]).map { $0 as? String })))
            var window = CategoricalWindow()
            for value in column["current"] as! [Any] { window.append(value as? String) }
            categoricalWindows[name] = window
        }
        return (ReferenceProfile(columns: profiles), numericWindows, categoricalWindows)
    }

    @Test("every column statistic and decision agrees with numpy / scipy / statsmodels", arguments: datasets.indices)
    func agreesWithReference(index: Int) throws {
        let dataset = Self.datasets[index]
        let expected = try #require(dataset["expected"] as? [String: Any])
        let expectedColumns = try #require(expected["columns"] as? [[String: Any]])
        let report = DriftReport(columns: Self.drifts(dataset))
        try #require(report.columns.count == expectedColumns.count)
        for (column, want) in zip(report.columns, expectedColumns) {
            let name = column.name
            #expect(name == want["name"] as? String)
            #expect(column.type.rawValue == want["type"] as? String, "\(name)")
            #expect(column.referenceCount == Int(double(want["n_reference"])), "\(name)")
            #expect(column.currentCount == Int(double(want["n_current"])), "\(name)")
            let relative: [(String, Double?, Any?)] = [
                ("missing_reference", column.referenceMissingShare, want["missing_reference"]),
                ("missing_current", column.currentMissingShare, want["missing_current"]),
                ("psi", column.psi, want["psi"]),
                ("wasserstein", column.wasserstein, want["wasserstein"]),
                ("wasserstein_normalized", column.normalizedWasserstein, want["wasserstein_normalized"]),
                ("jensen_shannon", column.jensenShannon, want["jensen_shannon"]),
                ("chi2", column.chiSquare, want["chi2"]),
                ("chi2_pvalue", column.chiSquarePValue, want["chi2_pvalue"]),
                ("unseen_share", column.unseenShare, want["unseen_share"]),
            ]
            for (key, actual, wanted) in relative {
                #expect(isClose(actual, optionalDouble(wanted), relative: 1e-9, absolute: 1e-12), "\(name).\(key): \(String(describing: actual)) vs \(String(describing: wanted))")
            }
            let expectedD = optionalDouble(want["ks_statistic"])
            #expect(isClose(column.ksStatistic, expectedD, relative: 0, absolute: 1e-12), "\(name).ks_statistic")
            #expect(isCloseKSPValue(column.ksPValue, optionalDouble(want["ks_pvalue"])), "\(name).ks_pvalue")
            let adjusted = optionalDouble(want["ks_pvalue_adjusted"])
            if column.type == .numeric {
                #expect(isCloseKSPValue(column.ksPValueAdjusted, adjusted), "\(name).ks_pvalue_adjusted")
            } else {
                #expect(isClose(column.ksPValueAdjusted, adjusted, relative: 1e-9, absolute: 1e-300), "\(name).ks_pvalue_adjusted")
            }
            #expect(column.isDrifted == (want["drifted"] as? Bool), "\(name).drifted")
        }
        #expect(isClose(report.driftedShare, optionalDouble(expected["drifted_share"])))
        #expect(report.isDatasetDrifted == (expected["dataset_drift"] as? Bool))
    }

    @Test("PSI edges reproduce numpy.quantile bit for bit", arguments: datasets.indices)
    func edgesMatchNumpy(index: Int) throws {
        let dataset = Self.datasets[index]
        let bins = Int(double(dataset["bins"]))
        let expectedColumns = try #require((dataset["expected"] as? [String: Any])?["columns"] as? [[String: Any]])
        for column in dataset["numeric"] as? [[String: Any]] ?? [] {
            let name = column["name"] as! String
            let want = try #require(expectedColumns.first { $0["name"] as? String == name })
            let profile = NumericReferenceProfile(name: name, values: (column["reference"] as! [Any]).map(double), binCount: bins)
            let expectedEdges = (want["edges"] as? [Any] ?? []).map(double)
            #expect(profile.edges == expectedEdges, "\(name)")
        }
    }

    @Test("window-versus-profile evaluation equals the two-array evaluation", arguments: datasets.indices)
    func windowMatchesArrays(index: Int) {
        let dataset = Self.datasets[index]
        let (profile, numericWindows, categoricalWindows) = Self.profileAndWindows(dataset)
        let viaProfile = DriftReport(profile: profile, numericWindows: numericWindows, categoricalWindows: categoricalWindows)
        let viaArrays = DriftReport(columns: Self.drifts(dataset))
        #expect(viaProfile == viaArrays)
    }

    @Test("a reference profile survives a JSON round trip and evaluates identically", arguments: datasets.indices)
    func profileRoundTrip(index: Int) throws {
        let dataset = Self.datasets[index]
        let (profile, numericWindows, categoricalWindows) = Self.profileAndWindows(dataset)
        let data = try JSONEncoder().encode(profile)
        let decoded = try JSONDecoder().decode(ReferenceProfile.self, from: data)
        #expect(decoded == profile)
        #expect(DriftReport(profile: decoded, numericWindows: numericWindows, categoricalWindows: categoricalWindows)
            == DriftReport(profile: profile, numericWindows: numericWindows, categoricalWindows: categoricalWindows))
    }

    @Test("a bounded profile keeps evenly spaced order statistics but PSI from every value")
    func boundedProfile() {
        let values = SplitMixSample.expand(["seed": 9, "count": 5000, "scale": 1.0, "shift": 0.0, "resolution": 0])
        let full = NumericReferenceProfile(name: "x", values: values)
        let bounded = NumericReferenceProfile(name: "x", values: values, maximumStoredValues: 500)
        #expect(bounded.isSampled && !full.isSampled)
        #expect(bounded.sortedValues.count == 500)
        #expect(bounded.sortedValues.first == full.sortedValues.first && bounded.sortedValues.last == full.sortedValues.last)
        #expect(bounded.sortedValues == bounded.sortedValues.sorted())
        #expect(bounded.edges == full.edges && bounded.binCounts == full.binCounts)
        #expect(bounded.standardDeviation == full.standardDeviation)
    }

    @Test("the JSON report has exactly the documented keys, with explicit nulls")
    func jsonKeys() throws {
        let report = DriftReport(columns: [
            ColumnDrift.numeric(name: "x", reference: [1, 2, 3, 4], current: [2, 3, 4, 5]),
            ColumnDrift.categorical(name: "c", reference: ["a", "b"], current: ["a", nil]),
        ])
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(Set(object.keys) == ["columns", "drifted_share", "dataset_drift"])
        let columns = try #require(object["columns"] as? [[String: Any]])
        let keys: Set<String> = ["name", "type", "n_reference", "n_current", "missing_reference", "missing_current", "psi",
                                 "ks_statistic", "ks_pvalue", "ks_pvalue_adjusted", "wasserstein", "wasserstein_normalized",
                                 "jensen_shannon", "chi2", "chi2_pvalue", "unseen_share", "drifted"]
        for column in columns { #expect(Set(column.keys) == keys) }
        #expect(columns[0]["chi2"] is NSNull)
        #expect(columns[1]["ks_statistic"] is NSNull)
        #expect(double(columns[1]["missing_current"]) == 0.5)
        #expect(columns[1]["type"] as? String == "categorical")
    }

    @Test("the configurable decision rule", arguments: [
        (0.3, nil as Double?, true), (0.24, 0.5, false), (0.12, 0.005, true), (0.09, 0.0001, false), (0.12, 0.02, false),
    ])
    func decisionRule(psi: Double, adjusted: Double?, drifted: Bool) {
        #expect(DriftConfiguration().isDrifted(psi: psi, adjustedPValue: adjusted) == drifted)
        #expect(DriftConfiguration(psiThreshold: 0.1).isDrifted(psi: psi, adjustedPValue: adjusted) == (psi >= 0.1 || drifted))
    }

    @Test("the rendered table marks drifted columns")
    func renderedTable() {
        let report = DriftReport(columns: [
            ColumnDrift.numeric(name: "shifted", reference: (0..<200).map { Double($0) }, current: (0..<200).map { Double($0) + 150 }),
            ColumnDrift.numeric(name: "stable", reference: (0..<200).map { Double($0) }, current: (0..<200).map { Double($0) }),
        ])
        let lines = report.renderedTable().split(separator: "\n")
        #expect(lines.first { $0.contains("shifted") }?.hasPrefix("*") == true)
        #expect(lines.first { $0.contains("stable") }?.hasPrefix("*") == false)
        #expect(report.renderedTable().contains("1 of 2 columns drifted"))
    }
}

struct MultipleTestingTests {
    nonisolated(unsafe) static let cases = (try? Fixture.records("multiple_testing.json", "cases")) ?? []

    @Test("Benjamini-Hochberg and Bonferroni agree with statsmodels and scipy", arguments: cases.indices)
    func agree(index: Int) {
        let record = Self.cases[index]
        let p = (record["p"] as! [Any]).map(double)
        let bh = MultipleTesting.benjaminiHochberg(p)
        for (a, e) in zip(bh, (record["bh"] as! [Any]).map(double)) { #expect(isClose(a, e, absolute: 1e-300)) }
        for (a, e) in zip(bh, (record["bh_scipy"] as! [Any]).map(double)) { #expect(isClose(a, e, absolute: 1e-300)) }
        for (a, e) in zip(MultipleTesting.bonferroni(p), (record["bonferroni"] as! [Any]).map(double)) { #expect(isClose(a, e, absolute: 1e-300)) }
    }
}

struct CategoryCounterTests {
    @Test("counting a column at once gives the counts of appending each value, canonically equal strings together")
    func countsLikeADictionary() {
        var values: [String?] = []
        var state: UInt64 = 42
        let levels = ["a", "b", "ED", "ICU", "Ward", "emergency-department-level-two", "", "K", "\u{212A}", "caf\u{E9}", "cafe\u{301}", "é", ";", "\u{37E}"]
        for _ in 0..<5_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let index = Int(state >> 33) % (levels.count + 1)
            values.append(index == levels.count ? nil : levels[index])
        }
        // Many distinct values, so that the table grows.
        values += (0..<300).map { "level-\($0 % 150)" }
        var expected = CategoricalWindow()
        for value in values { expected.append(value) }
        let counted = CategoricalWindow(values: values)
        #expect(counted.missingCount == expected.missingCount)
        #expect(counted.categoryCounts.count == expected.categoryCounts.count)
        for (category, count) in expected.categoryCounts {
            #expect(counted.categoryCounts[category] == count, "\(category)")
        }
        #expect(counted.categoryCounts["K"] == expected.categoryCounts["\u{212A}"])
        // The form kept for canonically equal strings is the one seen first, as a dictionary keeps it.
        #expect(Set(counted.categoryCounts.keys.map { Array($0.utf8) }) == Set(expected.categoryCounts.keys.map { Array($0.utf8) }))
        for order in [["K", "\u{212A}", "K"], ["\u{212A}", "K"], [";", "\u{37E}"], ["\u{37E}", ";", "\u{37E}"]] {
            var dictionary: [String: Int] = [:]
            for value in order { dictionary[value, default: 0] += 1 }
            let window = CategoricalWindow(values: order)
            #expect(window.categoryCounts.map { Array($0.key.utf8) } == dictionary.map { Array($0.key.utf8) })
            #expect(window.categoryCounts.values.first == order.count)
        }
    }
}
