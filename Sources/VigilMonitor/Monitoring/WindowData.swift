import VigilStats

/// A whole window's values as columns laid out for the model's current configuration (read
/// from the predictions' stored lines, so a changed feature list applies to the next
/// evaluation). Also the shape a reference file is read into.
struct WindowData: Sendable, Equatable {
    var layout: WindowLayout
    var timestamps: [Double] = []
    var scores: [Double] = []
    var versions: [String?] = []
    var numeric: [[Double]]
    var categorical: [[String?]]
    var subgroups: [[String?]]

    init(layout: WindowLayout) {
        self.layout = layout
        numeric = Array(repeating: [], count: layout.numeric.count)
        categorical = Array(repeating: [], count: layout.categorical.count)
        subgroups = Array(repeating: [], count: layout.subgroups.count)
    }

    var count: Int { timestamps.count }

    mutating func append(_ row: WindowRow) {
        timestamps.append(row.timestamp)
        scores.append(row.score)
        versions.append(row.version)
        for index in numeric.indices { numeric[index].append(row.numeric[index]) }
        for index in categorical.indices { categorical[index].append(row.categorical[index]) }
        for index in subgroups.indices { subgroups[index].append(row.subgroups[index]) }
    }

    /// The rows whose subgroup `index` has `value`, as a window of their own.
    func rows(whereSubgroup index: Int, is value: String) -> WindowData {
        var subset = WindowData(layout: layout)
        let selected = subgroups[index].indices.filter { subgroups[index][$0] == value }
        subset.timestamps = selected.map { timestamps[$0] }
        subset.scores = selected.map { scores[$0] }
        subset.versions = selected.map { versions.indices.contains($0) ? versions[$0] : nil }
        subset.numeric = numeric.map { column in selected.map { column[$0] } }
        subset.categorical = categorical.map { column in selected.map { column[$0] } }
        subset.subgroups = subgroups.map { column in selected.map { column[$0] } }
        return subset
    }

    /// Each value of subgroup `index` with how many rows have it, most frequent first.
    func subgroupCounts(_ index: Int) -> [(value: String, count: Int)] {
        Self.byFrequency(subgroups[index])
    }

    /// The distinct non-missing values with how often each occurs, most frequent first (ties by value).
    static func byFrequency(_ values: [String?]) -> [(value: String, count: Int)] {
        var counter = CategoryCounter()
        _ = counter.add(contentsOf: values)
        return byFrequency(counter)
    }

    /// The counted values with their counts, most frequent first (ties by value).
    static func byFrequency(_ counter: CategoryCounter) -> [(value: String, count: Int)] {
        counter.counts.map { ($0.key, $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
    }

    /// The version most of the rows were made by.
    var mostFrequentVersion: String? {
        var counter = CategoryCounter()
        _ = counter.add(contentsOf: versions)
        return counter.counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }
}
