import VigilStats
import Dispatch

/// Grows trees leaf by leaf on binned data from gradients and hessians, LightGBM's way: the
/// leaf with the largest gain splits next; per leaf, one histogram per feature (sums of
/// gradient, hessian and rows per bin) gives every split's gain in one pass over the bins; of
/// two new leaves, only the smaller one's histograms are built from its rows, and the larger
/// one's are its parent's minus the smaller's.
///
/// Histograms are built row-wise (LightGBM's "row-wise" mode): the bins are stored row after
/// row, so a leaf's scattered rows cost one cache line each rather than one per feature, and
/// each thread sums a share of the rows into its own histogram before the shares are added.
///
/// One grower is reused for every tree of a model: it owns the row partition and histogram
/// buffers. Not thread-safe; it runs its histogram work on `threads` threads itself.
final class TreeGrower {
    let data: BinnedDataset
    let threads: Int
    /// First histogram entry of each feature; a feature has `binCount + 1` entries (the last
    /// is the missing bin), each entry two doubles: gradient and hessian sums. As in LightGBM,
    /// a bin's row count is not summed but estimated from its hessian (see `rowEstimate`):
    /// exact when every hessian is 1 (forests), close for boosting, where it only serves
    /// `min_data_in_leaf`.
    private let offsets: [Int]
    private let entryCount: Int
    private let missingBins: [UInt8]
    private let isCategorical: [Bool]

    /// The bins, row after row (`featureCount` bytes each), in memory that stays put while
    /// worker threads read it.
    private let rowBins: UnsafeMutablePointer<UInt8>
    private let featureCount: Int
    /// Per feature, three times its first histogram entry: where its bin 0 starts.
    private let slots: UnsafeMutablePointer<Int32>
    /// Row indices, grouped by leaf: a leaf owns `indices[begin ..< begin + count]`.
    private let indices: UnsafeMutablePointer<Int32>
    private let scratch: UnsafeMutablePointer<Int32>
    /// Each row's gradient and hessian, side by side, in single precision as LightGBM keeps
    /// them: half the memory traffic per histogram update; the sums stay in double.
    private let pairs: UnsafeMutablePointer<Float>
    private var histograms: [UnsafeMutablePointer<Double>] = []
    /// A large leaf's rows are summed in this many shares, in parallel.
    static let shares = 2
    /// One histogram per share after the first.
    private var shareHistograms: [UnsafeMutablePointer<Double>] = []

    init(data: BinnedDataset, threads: Int) {
        self.data = data
        self.threads = max(1, threads)
        var offsets: [Int] = []
        var total = 0
        for mapper in data.mappers {
            offsets.append(total)
            total += mapper.binCount + 1
        }
        self.offsets = offsets
        self.entryCount = total
        self.missingBins = data.mappers.map(\.missingBin)
        self.isCategorical = data.mappers.map { $0.kind == .categorical }
        let rowCount = max(data.rowCount, 1)
        let featureCount = data.columns.count
        self.featureCount = featureCount
        let rowBins = UnsafeMutablePointer<UInt8>.allocate(capacity: rowCount * max(featureCount, 1))
        for (feature, column) in data.columns.enumerated() {
            column.withUnsafeBufferPointer { column in
                for row in 0..<column.count { rowBins[row * featureCount + feature] = column[row] }
            }
        }
        self.rowBins = rowBins
        slots = .allocate(capacity: max(featureCount, 1))
        for feature in 0..<featureCount { slots[feature] = Int32(2 * offsets[feature]) }
        indices = .allocate(capacity: rowCount)
        scratch = .allocate(capacity: rowCount)
        pairs = .allocate(capacity: 2 * rowCount)
        for _ in 1..<Self.shares { shareHistograms.append(.allocate(capacity: max(total * 3, 1))) }
    }

    deinit {
        rowBins.deallocate()
        slots.deallocate()
        indices.deallocate()
        scratch.deallocate()
        pairs.deallocate()
        for histogram in histograms + shareHistograms { histogram.deallocate() }
    }

    /// The rows of leaf `leaf` of the last grown tree.
    func rows(ofLeaf leaf: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: indices + leaves[leaf].begin, count: leaves[leaf].count)
    }

    /// A leaf during growth.
    struct Leaf {
        var begin: Int
        var count: Int
        var sumG: Double
        var sumH: Double
        var depth: Int
        var histogram: Int
        var best = SplitCandidate()
        /// Rows per unit of hessian, to estimate a bin's rows from its hessian sum.
        var rowsPerHessian: Double { sumH > 0 ? Double(count) / sumH : 0 }
        /// The internal node whose child this leaf is (-1 for the root) and which child.
        var parent = -1
        var isLeftChild = false
    }

    /// The last grown tree's leaves, whose row ranges the caller uses to update scores.
    private(set) var leaves: [Leaf] = []

    /// Sets every row's gradient and hessian: `fill(range, pairs)` writes rows `range` as
    /// `pairs[2 r] = g`, `pairs[2 r + 1] = h`. Large tables are filled in two halves at once.
    func setGradients(_ fill: @Sendable (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let n = data.rowCount
        let pairs = UnsafeSendable(self.pairs)
        if threads > 1 && n >= 8192 {
            DispatchQueue.concurrentPerform(iterations: 2) { half in fill((n * half / 2)..<(n * (half + 1) / 2), pairs.value) }
        } else {
            fill(0..<n, pairs.value)
        }
    }

    /// Grows one tree over `rows` (ascending; all rows when nil) from the gradients last set,
    /// considering the features whose `usable` flag is set. Leaf values are `-G / (H + l2)`,
    /// before any shrinkage.
    func grow(rows: [Int32]?, usable: [Bool], growth: TreeGrowth, random: inout SeededGenerator) -> DecisionTree {
        let rowCount: Int
        if let rows {
            rowCount = rows.count
            for (position, row) in rows.enumerated() { indices[position] = row }
        } else {
            rowCount = data.rowCount
            for row in 0..<rowCount { indices[row] = Int32(row) }
        }
        var sumG = 0.0, sumH = 0.0
        for position in 0..<rowCount {
            let row = Int(indices[position])
            sumG += Double(pairs[2 * row])
            sumH += Double(pairs[2 * row + 1])
        }
        var freeHistograms = Array(histograms.indices.reversed())
        func takeHistogram() -> Int {
            if let index = freeHistograms.popLast() { return index }
            histograms.append(.allocate(capacity: max(entryCount * 2, 1)))
            return histograms.count - 1
        }
        let usableFeatures = usable.indices.filter { usable[$0] }
        var tree = DecisionTree()
        leaves = [Leaf(begin: 0, count: rowCount, sumG: sumG, sumH: sumH, depth: 0, histogram: takeHistogram())]
        buildHistogram(leaves[0])
        leaves[0].best = bestSplit(of: leaves[0], features: usableFeatures, growth: growth, random: &random)

        while leaves.count < growth.maximumLeaves {
            var chosen = -1
            var chosenGain = growth.minimumGain
            for (index, leaf) in leaves.enumerated() where leaf.best.isValid && leaf.best.gain > chosenGain {
                chosen = index
                chosenGain = leaf.best.gain
            }
            if chosen < 0 { break }
            let parent = leaves[chosen]
            let split = parent.best
            let node = Int32(tree.feature.count)
            tree.feature.append(Int32(split.feature))
            tree.thresholdBin.append(split.thresholdBin)
            tree.categoricalBins.append(split.categoricalBins)
            tree.defaultLeft.append(split.defaultLeft)
            tree.gain.append(split.gain)
            let rightLeaf = leaves.count
            tree.left.append(~Int32(chosen))
            tree.right.append(~Int32(rightLeaf))
            if parent.parent >= 0 {
                if parent.isLeftChild { tree.left[parent.parent] = node } else { tree.right[parent.parent] = node }
            }

            let leftCount = partition(parent, split: split)
            var left = Leaf(begin: parent.begin, count: leftCount, sumG: split.leftG, sumH: split.leftH, depth: parent.depth + 1,
                            histogram: parent.histogram, parent: Int(node), isLeftChild: true)
            var right = Leaf(begin: parent.begin + leftCount, count: parent.count - leftCount, sumG: parent.sumG - split.leftG,
                             sumH: parent.sumH - split.leftH, depth: parent.depth + 1, histogram: takeHistogram(),
                             parent: Int(node), isLeftChild: false)
            // Build the smaller child; the larger one's histogram is the parent's minus it.
            if left.count < right.count {
                swap(&left.histogram, &right.histogram)
                buildHistogram(left)
                subtract(left.histogram, from: right.histogram, features: usableFeatures)
            } else {
                buildHistogram(right)
                subtract(right.histogram, from: left.histogram, features: usableFeatures)
            }
            let canGrow = growth.maximumDepth == 0 || left.depth < growth.maximumDepth
            if canGrow {
                left.best = bestSplit(of: left, features: usableFeatures, growth: growth, random: &random)
                right.best = bestSplit(of: right, features: usableFeatures, growth: growth, random: &random)
            }
            leaves[chosen] = left
            leaves.append(right)
        }
        tree.leafValues = leaves.map { -$0.sumG / ($0.sumH + growth.l2) }
        return tree
    }

    // MARK: Histograms

    /// Sums gradient, hessian and rows per bin of every feature over the leaf's rows.
    private func buildHistogram(_ leaf: Leaf) {
        // The split into shares depends on the leaf's size only, not on the thread count, so
        // that sums (and so models) are the same bit for bit on any machine.
        let shares = leaf.count < 8192 ? 1 : Self.shares
        let job = UnsafeSendable(HistogramJob(
            targets: [histograms[leaf.histogram]] + shareHistograms.prefix(shares - 1), entries: 2 * entryCount,
            rowBins: rowBins, featureCount: featureCount, slots: slots, rows: indices + leaf.begin, count: leaf.count,
            pairs: pairs, threads: shares))
        if shares == 1 {
            job.value.run(thread: 0)
        } else {
            if threads == 1 {
                for share in 0..<shares { job.value.run(thread: share) }
            } else {
                DispatchQueue.concurrentPerform(iterations: shares) { job.value.run(thread: $0) }
            }
            let target = histograms[leaf.histogram]
            for share in shareHistograms.prefix(shares - 1) {
                for index in 0..<(2 * entryCount) { target[index] += share[index] }
            }
        }
    }

    /// `target -= source`, entry by entry, over the given features.
    private func subtract(_ source: Int, from target: Int, features: [Int]) {
        let source = histograms[source], target = histograms[target]
        for feature in features {
            let start = 2 * offsets[feature]
            for index in start..<(start + 2 * (Int(missingBins[feature]) + 1)) { target[index] -= source[index] }
        }
    }

    // MARK: Splits

    private func bestSplit(of leaf: Leaf, features: [Int], growth: TreeGrowth, random: inout SeededGenerator) -> SplitCandidate {
        var best = SplitCandidate()
        guard leaf.count >= 2 * growth.minimumRowsInLeaf else { return best }
        var considered = features
        if growth.featureFractionPerNode < 1 {
            let take = max(1, Int((Double(features.count) * growth.featureFractionPerNode).rounded()))
            considered = Array(random.shuffled(features).prefix(take)).sorted()
        }
        let histogram = histograms[leaf.histogram]
        for feature in considered {
            let entries = UnsafeBufferPointer(start: histogram + 2 * offsets[feature], count: 2 * (Int(missingBins[feature]) + 1))
            let candidate = isCategorical[feature]
                ? categoricalSplit(entries, leaf: leaf, growth: growth)
                : numericSplit(entries, leaf: leaf, growth: growth, random: &random)
            if candidate.gain > best.gain {
                best = candidate
                best.feature = feature
            }
        }
        return best
    }

    @inline(__always)
    private static func score(_ g: Double, _ h: Double, _ l2: Double) -> Double { g * g / (h + l2) }

    /// The best threshold of a numeric feature: bins `<= t` left, the missing bin tried on
    /// either side (or, when the leaf has no missing rows, sent to the larger side).
    private func numericSplit(_ entries: UnsafeBufferPointer<Double>, leaf: Leaf, growth: TreeGrowth,
                              random: inout SeededGenerator) -> SplitCandidate {
        var best = SplitCandidate()
        let binCount = entries.count / 2 - 1
        guard binCount >= 2 else { return best }
        let missingSlot = 2 * binCount
        let rows = leaf.rowsPerHessian
        let missingG = entries[missingSlot], missingH = entries[missingSlot + 1], missingCount = (missingH * rows).rounded()
        let totalCount = Double(leaf.count)
        let minRows = Double(growth.minimumRowsInLeaf)
        let minH = growth.minimumHessianInLeaf
        let l2 = growth.l2
        let parentScore = Self.score(leaf.sumG, leaf.sumH, l2)
        var onlyThreshold = -1
        if growth.randomThresholds { onlyThreshold = random.nextIndex(below: binCount - 1) }
        let hasMissing = missingH > 0
        // Pass 0: missing right; pass 1: missing left.
        for pass in 0..<(hasMissing ? 2 : 1) {
            var g = pass == 1 ? missingG : 0, h = pass == 1 ? missingH : 0, c = pass == 1 ? missingCount : 0
            // With missing rows on the right, "every value left" is a split too.
            let lastThreshold = pass == 0 && hasMissing ? binCount - 1 : binCount - 2
            for t in 0...lastThreshold {
                g += entries[2 * t]
                h += entries[2 * t + 1]
                c = (h * rows).rounded()
                if onlyThreshold >= 0 && t != onlyThreshold { continue }
                if c < minRows || h < minH { continue }
                let rightCount = totalCount - c
                let rightH = leaf.sumH - h
                if rightCount < minRows || rightH < minH { break }
                let gain = Self.score(g, h, l2) + Self.score(leaf.sumG - g, rightH, l2) - parentScore
                if gain > best.gain {
                    best.gain = gain
                    best.thresholdBin = UInt8(t)
                    best.defaultLeft = pass == 1 || (!hasMissing && c >= rightCount)
                    best.leftG = g
                    best.leftH = h
                    best.leftCount = c
                }
            }
        }
        return best
    }

    /// The best set of categories to send left, as LightGBM: with few categories, one
    /// against the rest; otherwise categories sorted by `G / (H + smoothing)` and the best
    /// prefix from either end. The missing bin always goes right.
    private func categoricalSplit(_ entries: UnsafeBufferPointer<Double>, leaf: Leaf, growth: TreeGrowth) -> SplitCandidate {
        var best = SplitCandidate()
        let binCount = entries.count / 2 - 1
        let totalCount = Double(leaf.count)
        let rows = leaf.rowsPerHessian
        let minRows = Double(growth.minimumRowsInLeaf)
        let minH = growth.minimumHessianInLeaf
        func consider(_ bins: [UInt8], g: Double, h: Double, c: Double, l2: Double) {
            let rightCount = totalCount - c, rightH = leaf.sumH - h
            guard c >= minRows, h >= minH, rightCount >= minRows, rightH >= minH else { return }
            let gain = Self.score(g, h, l2) + Self.score(leaf.sumG - g, rightH, l2) - Self.score(leaf.sumG, leaf.sumH, l2)
            if gain > best.gain {
                best.gain = gain
                best.categoricalBins = bins
                best.defaultLeft = false
                best.leftG = g
                best.leftH = h
                best.leftCount = c
            }
        }
        if binCount <= growth.oneVersusRestUpTo {
            for bin in 0..<binCount where entries[2 * bin + 1] > 0 {
                consider([UInt8(bin)], g: entries[2 * bin], h: entries[2 * bin + 1], c: (entries[2 * bin + 1] * rows).rounded(), l2: growth.l2)
            }
            return best
        }
        var used = (0..<binCount).filter { (entries[2 * $0 + 1] * rows).rounded() >= growth.categoricalSmoothing }
        guard used.count >= 2 else { return best }
        let smoothing = growth.categoricalSmoothing
        used.sort { a, b in
            let ra = entries[2 * a] / (entries[2 * a + 1] + smoothing), rb = entries[2 * b] / (entries[2 * b + 1] + smoothing)
            return ra != rb ? ra < rb : a < b
        }
        let l2 = growth.l2 + growth.categoricalL2
        let minGroup = Double(growth.minimumRowsPerCategoryGroup)
        let limit = min(growth.maximumCategoriesInSplit, (used.count + 1) / 2)
        for order in [used, used.reversed()] {
            var g = 0.0, h = 0.0, c = 0.0
            var bins: [UInt8] = []
            for bin in order.prefix(limit) {
                g += entries[2 * bin]
                h += entries[2 * bin + 1]
                c = (h * rows).rounded()
                bins.append(UInt8(bin))
                if c < minGroup || totalCount - c < minGroup { continue }
                consider(bins.sorted(), g: g, h: h, c: c, l2: l2)
            }
        }
        return best
    }

    // MARK: Partition

    /// Reorders the leaf's rows so that those going left come first (each side keeps its
    /// order), and returns how many go left.
    private func partition(_ leaf: Leaf, split: SplitCandidate) -> Int {
        let missing = missingBins[split.feature]
        // The binned data's own column: partition reads one feature of many rows in order.
        return data.columns[split.feature].withUnsafeBufferPointer { column in
            partition(leaf, split: split, column: column, missing: missing)
        }
    }

    private func partition(_ leaf: Leaf, split: SplitCandidate, column: UnsafeBufferPointer<UInt8>, missing: UInt8) -> Int {
        // Which way each bin goes, the missing bin included, so the loop has no branch: every
        // row is written to both sides and only the side it belongs to advances.
        var goesLeft = [UInt8](repeating: 0, count: 256)
        if split.categoricalBins.isEmpty {
            for bin in 0...Int(split.thresholdBin) { goesLeft[bin] = 1 }
        } else {
            for bin in split.categoricalBins { goesLeft[Int(bin)] = 1 }
        }
        goesLeft[Int(missing)] = split.defaultLeft ? 1 : 0
        var leftCount = 0
        var rightCount = 0
        let left = indices + leaf.begin, scratch = scratch
        goesLeft.withUnsafeBufferPointer { goesLeft in
            for position in 0..<leaf.count {
                let row = left[position]
                let toLeft = Int(goesLeft[Int(column[Int(row)])])
                left[leftCount] = row
                scratch[rightCount] = row
                leftCount += toLeft
                rightCount += 1 - toLeft
            }
        }
        (left + leftCount).update(from: scratch, count: rightCount)
        return leftCount
    }
}

/// One histogram build, split by rows: share `t` of the rows is summed into `targets[t]`.
private struct HistogramJob {
    let targets: [UnsafeMutablePointer<Double>]
    let entries: Int
    let rowBins: UnsafeMutablePointer<UInt8>
    let featureCount: Int
    let slots: UnsafeMutablePointer<Int32>
    let rows: UnsafeMutablePointer<Int32>
    let count: Int
    let pairs: UnsafeMutablePointer<Float>
    let threads: Int

    func run(thread: Int) {
        // Locals, so the loop does not reload them after every store to the histogram.
        let histogram = targets[thread], rowBins = rowBins, slots = slots, pairs = pairs, rows = rows
        let featureCount = featureCount
        histogram.initialize(repeating: 0, count: entries)
        let lower = count * thread / threads, upper = count * (thread + 1) / threads
        for i in lower..<upper {
            let row = Int(rows[i])
            let g = Double(pairs[2 * row]), h = Double(pairs[2 * row + 1])
            let bins = rowBins + row * featureCount
            for feature in 0..<featureCount {
                let slot = Int(slots[feature]) + 2 * Int(bins[feature])
                histogram[slot] += g
                histogram[slot + 1] += h
            }
        }
    }
}

/// A pointer handed to the worker threads of one histogram build, each of which writes only
/// its own features' entries.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
