/// A whole window's values as columns laid out for the model's current configuration:
/// chunks written under an older layout are matched by column name, and a column they lack
/// reads as missing. Also the shape a reference file is read into.
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

    init(layout: WindowLayout, chunks: [WindowChunk]) {
        self.init(layout: layout)
        for chunk in chunks { append(chunk) }
    }

    var count: Int { timestamps.count }

    mutating func append(_ chunk: WindowChunk) {
        timestamps += chunk.timestamps
        scores += chunk.scores
        versions += chunk.versions.count == chunk.count ? chunk.versions : Array(repeating: nil, count: chunk.count)
        func column<T>(_ name: String, in names: [String], of columns: [[T]], missing: T) -> [T] {
            names.firstIndex(of: name).map { columns[$0] } ?? Array(repeating: missing, count: chunk.count)
        }
        for (index, name) in layout.numeric.enumerated() {
            numeric[index] += column(name, in: chunk.layout.numeric, of: chunk.numeric, missing: .nan)
        }
        for (index, name) in layout.categorical.enumerated() {
            categorical[index] += column(name, in: chunk.layout.categorical, of: chunk.categorical, missing: nil)
        }
        for (index, name) in layout.subgroups.enumerated() {
            // A subgroup may be an attribute or a categorical feature of the chunk.
            let values = chunk.layout.subgroups.firstIndex(of: name).map { chunk.subgroups[$0] }
                ?? chunk.layout.categorical.firstIndex(of: name).map { chunk.categorical[$0] }
            subgroups[index] += values ?? Array(repeating: nil, count: chunk.count)
        }
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
        var counts: [String: Int] = [:]
        for value in subgroups[index] { if let value { counts[value, default: 0] += 1 } }
        return counts.map { ($0.key, $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
    }

    /// The version most of the rows were made by.
    var mostFrequentVersion: String? {
        var counts: [String: Int] = [:]
        for case let version? in versions { counts[version, default: 0] += 1 }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }
}
