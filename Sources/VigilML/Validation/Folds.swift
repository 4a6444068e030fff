import VigilStats

/// How rows are split for validation. Every split is a function of the data and the seed.
public enum Folds {
    /// Stratified k-fold: each class's rows, shuffled, are dealt to folds in turn, so every
    /// fold has the overall prevalence (to within a row). Returns each row's fold.
    public static func stratified(labels: [Bool], folds: Int, random: inout SeededGenerator) -> [Int] {
        var assignment = [Int](repeating: 0, count: labels.count)
        var next = 0
        for label in [true, false] {
            let rows = random.shuffled(labels.indices.filter { labels[$0] == label })
            for row in rows {
                assignment[row] = next % folds
                next += 1
            }
        }
        return assignment
    }

    /// Group k-fold: all rows of a group share a fold. Groups, shuffled and then taken
    /// largest first, each go to the fold with the fewest rows so far. Returns each row's fold.
    public static func grouped(groups: [String], folds: Int, random: inout SeededGenerator) -> [Int] {
        var rowsOfGroup: [String: [Int]] = [:]
        for (row, group) in groups.enumerated() { rowsOfGroup[group, default: []].append(row) }
        let shuffled = random.shuffled(rowsOfGroup.keys.sorted())
        let ordered = shuffled.enumerated().sorted { a, b in
            let sizeA = rowsOfGroup[a.element]!.count, sizeB = rowsOfGroup[b.element]!.count
            return sizeA != sizeB ? sizeA > sizeB : a.offset < b.offset
        }.map(\.element)
        var sizes = [Int](repeating: 0, count: folds)
        var assignment = [Int](repeating: 0, count: groups.count)
        for group in ordered {
            let fold = sizes.indices.min { sizes[$0] != sizes[$1] ? sizes[$0] < sizes[$1] : $0 < $1 }!
            for row in rowsOfGroup[group]! { assignment[row] = fold }
            sizes[fold] += rowsOfGroup[group]!.count
        }
        return assignment
    }

    /// A stratified holdout of about `share` of the rows: (training rows, held-out rows), each
    /// ascending.
    public static func stratifiedHoldout(labels: [Bool], share: Double, random: inout SeededGenerator) -> ([Int], [Int]) {
        var training: [Int] = []
        var holdout: [Int] = []
        for label in [true, false] {
            let rows = random.shuffled(labels.indices.filter { labels[$0] == label })
            let held = Int((Double(rows.count) * share).rounded())
            holdout.append(contentsOf: rows.prefix(held))
            training.append(contentsOf: rows.dropFirst(held))
        }
        return (training.sorted(), holdout.sorted())
    }

    /// The most recent `share` of the rows by time held out: (past rows, recent rows). Rows at
    /// the same time as the cut all fall on the same side, the recent one.
    public static func temporalHoldout(times: [Double], share: Double) -> ([Int], [Int]) {
        let order = times.indices.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
        let cutIndex = max(1, min(order.count - 1, Int((Double(order.count) * (1 - share)).rounded())))
        let cutTime = times[order[cutIndex]]
        let past = times.indices.filter { times[$0] < cutTime }
        let recent = times.indices.filter { times[$0] >= cutTime }
        return (past, recent)
    }
}
