/// One merge walk over two sorted samples, yielding both statistics that depend on the
/// distance between their empirical CDFs: the Kolmogorov-Smirnov `D` and Wasserstein-1.
///
/// The daemon evaluates every column of every window, so the two statistics share one pass
/// over raw buffers instead of two generic walks.
struct EmpiricalDistributionWalk {
    /// `max(F_ref - F_cur)` over all points, `-inf` for empty input.
    var largestPositiveDifference = -Double.infinity
    /// `max(F_cur - F_ref)` over all points.
    var largestNegativeDifference = -Double.infinity
    /// `∫ |F_ref - F_cur| dx`.
    var wasserstein = 0.0

    /// Walks `reference` and `current`, both sorted ascending without NaN and non-empty.
    ///
    /// At each distinct value `x` of the pooled sample both CDFs are evaluated after all values
    /// tied at `x` (scipy's `searchsorted(side="right")`), as `i/n - j/m`; the Wasserstein sum adds
    /// `|F_ref - F_cur| · (x_next - x)` in pooled order, as `scipy.stats.wasserstein_distance`.
    ///
    /// - Complexity: O(n + m).
    init(reference: UnsafeBufferPointer<Double>, current: UnsafeBufferPointer<Double>) {
        let n = reference.count
        let m = current.count
        let nd = Double(n)
        let md = Double(m)
        // The pooled order is walked from both ends at once: a forward walker over its lower
        // half and a backward walker over its upper half. Each step of a walker depends on its
        // previous step's load, so two independent walkers double the throughput. Ties order
        // reference before current going forward and current before reference going backward,
        // so the walkers split the pooled sequence consistently and meet at the same counts.
        //
        // Each walker uses selects rather than branches (the interleaving is unpredictable) and
        // tracks the CDF difference exactly as the integer `i·m - j·n` (= (i/n - j/m)·nm), so the
        // loop needs no division. The difference counts only at the end of a run of tied values:
        // going forward when the next value is larger, going backward (before consuming) when the
        // top value is smaller than the last one consumed. At a new maximum the floating-point
        // value is formed as scipy forms it, `i/n - j/m`, so `D` is bit-identical (ties of the
        // exact maximum keep the largest floating-point value, as scipy's `max` over floats would).
        // Copies padded with -inf in front and +inf behind keep every load in bounds.
        var paddedReference = [Double](repeating: -.infinity, count: n + 2)
        var paddedCurrent = [Double](repeating: -.infinity, count: m + 2)
        for index in 0..<n { paddedReference[index + 1] = reference[index] }
        for index in 0..<m { paddedCurrent[index + 1] = current[index] }
        paddedReference[n + 1] = .infinity
        paddedCurrent[m + 1] = .infinity
        var extremes = Extremes()
        var total = 0.0
        paddedReference.withUnsafeBufferPointer { reference in
            paddedCurrent.withUnsafeBufferPointer { current in
                // Forward walker: counts (i, j) consumed; next values at padded index i+1, j+1.
                var i = 0
                var j = 0
                var a = reference[1]
                var b = current[1]
                // Backward walker: counts (k, l) not yet consumed; top values at padded index k, l.
                var k = n
                var l = m
                var c = reference[n]
                var d = current[m]
                var lastConsumed = Double.infinity
                var forwardTotal = 0.0
                var backwardTotal = 0.0
                let forwardSteps = (n + m) / 2
                let backwardSteps = n + m - forwardSteps
                for step in 0..<backwardSteps {
                    if step < forwardSteps {
                        let takeReference = a <= b
                        let x = takeReference ? a : b
                        i &+= takeReference ? 1 : 0
                        j &+= takeReference ? 0 : 1
                        a = reference[i &+ 1]
                        b = current[j &+ 1]
                        let next = Swift.min(a, b)
                        let scaled = i &* m &- j &* n
                        if next > x { extremes.record(scaled, i, j, nd, md) }
                        // After the last value `next` is +inf; there is no interval to its right.
                        forwardTotal += Double(Swift.abs(scaled)) * (next < .infinity ? next - x : 0)
                    }
                    let takeCurrent = d >= c
                    let top = takeCurrent ? d : c
                    if top < lastConsumed {
                        let scaled = k &* m &- l &* n
                        extremes.record(scaled, k, l, nd, md)
                        if lastConsumed < .infinity {
                            backwardTotal += Double(Swift.abs(scaled)) * (lastConsumed - top)
                        }
                    }
                    lastConsumed = top
                    k &-= takeCurrent ? 0 : 1
                    l &-= takeCurrent ? 1 : 0
                    c = reference[k]
                    d = current[l]
                }
                total = forwardTotal + backwardTotal
            }
        }
        largestPositiveDifference = extremes.positive
        largestNegativeDifference = extremes.negative
        wasserstein = total / (nd * md)
    }

    /// Walks two samples held as distinct values with cumulative counts, with the same results,
    /// bit for bit, as walking every value: the fast path of window evaluation.
    ///
    /// The walk above records the CDF difference only at the end of a run of tied values, and
    /// its Wasserstein terms inside a run are zero (`x_next - x = 0`), so a walk that takes one
    /// step per distinct value of the pooled sample takes every step that counts: each step
    /// consumes one distinct value `x` from either sample or both (when they share it), and the
    /// counts at or below `x` are read from the cumulative counts instead of being counted.
    /// The two walkers split the pooled sample where the value-by-value walk splits it: the
    /// forward walker takes the runs that end at or before pooled position `(n + m) / 2`, the
    /// backward walker the others, so each of the two Wasserstein sums adds the same nonzero terms
    /// in the same order and the total is bit-identical. (The value standing for a run of zeros
    /// may be `-0.0` or `0.0`; a difference with any other value is the same either way.)
    ///
    /// Both samples must be finite (the padding is infinite); otherwise, or when either is
    /// empty, the samples are expanded and walked value by value.
    ///
    /// - Complexity: O(distinct values of both samples).
    init(reference: SortedSample, current: SortedSample) {
        guard reference.isFinite, current.isFinite, !reference.isEmpty, !current.isEmpty else {
            self = Self.walk(reference.sortedValues, current.sortedValues)
            return
        }
        let n = reference.count
        let m = current.count
        let nd = Double(n)
        let md = Double(m)
        let split = (n + m) / 2
        var extremes = Extremes()
        var forwardTotal = 0.0
        var backwardTotal = 0.0
        reference.paddedValues.withUnsafeBufferPointer { referenceValues in
        reference.paddedCumulativeCounts.withUnsafeBufferPointer { referenceCounts in
        current.paddedValues.withUnsafeBufferPointer { currentValues in
        current.paddedCumulativeCounts.withUnsafeBufferPointer { currentCounts in
            // Forward walker: (i, j) distinct values consumed; the next ones at i+1, j+1.
            var i = 0
            var j = 0
            var a = referenceValues[1]
            var b = currentValues[1]
            // Backward walker: the top distinct values not yet consumed are at k, l.
            var k = referenceValues.count &- 2
            var l = currentValues.count &- 2
            var c = referenceValues[k]
            var d = currentValues[l]
            var lastConsumed = Double.infinity
            /// Consumes the smallest distinct value left, unless its run ends past the split.
            @inline(__always) func forwardStep() -> Bool {
                let takeReference = a <= b
                let takeCurrent = b <= a
                let nextI = i &+ (takeReference ? 1 : 0)
                let nextJ = j &+ (takeCurrent ? 1 : 0)
                let below = Int(referenceCounts[nextI])
                let currentBelow = Int(currentCounts[nextJ])
                if below &+ currentBelow > split { return false }
                let x = Swift.min(a, b)
                i = nextI
                j = nextJ
                a = referenceValues[i &+ 1]
                b = currentValues[j &+ 1]
                let scaled = below &* m &- currentBelow &* n
                extremes.recordIfExtreme(scaled, below, currentBelow, nd, md)
                // The run ends at or before the split, before the last value: `next` is finite.
                forwardTotal += Double(scaled < 0 ? 0 &- scaled : scaled) * (Swift.min(a, b) - x)
                return true
            }
            /// Consumes the largest distinct value left, unless its run ends at or before the split.
            @inline(__always) func backwardStep() -> Bool {
                let below = Int(referenceCounts[k])
                let currentBelow = Int(currentCounts[l])
                if below &+ currentBelow <= split { return false }
                let top = Swift.max(c, d)
                let scaled = below &* m &- currentBelow &* n
                extremes.recordIfExtreme(scaled, below, currentBelow, nd, md)
                // Above the largest value there is no interval.
                if lastConsumed < .infinity {
                    backwardTotal += Double(scaled < 0 ? 0 &- scaled : scaled) * (lastConsumed - top)
                }
                lastConsumed = top
                let takeReference = c >= d
                let takeCurrent = d >= c
                k &-= takeReference ? 1 : 0
                l &-= takeCurrent ? 1 : 0
                c = referenceValues[k]
                d = currentValues[l]
                return true
            }
            var forwardActive = true
            var backwardActive = true
            while forwardActive && backwardActive {
                forwardActive = forwardStep()
                backwardActive = backwardStep()
            }
            while forwardActive { forwardActive = forwardStep() }
            while backwardActive { backwardActive = backwardStep() }
        }}}}
        largestPositiveDifference = extremes.positive
        largestNegativeDifference = extremes.negative
        wasserstein = (forwardTotal + backwardTotal) / (nd * md)
    }

    /// The running extremes of the CDF difference, exact and as scipy's floating-point value.
    private struct Extremes {
        var largestPositive = Int.min
        var largestNegative = Int.min
        var positive = -Double.infinity
        var negative = -Double.infinity

        /// ``record(_:_:_:_:_:)`` behind one test of whether `scaled` reaches either extreme, which
        /// is rarely true and so keeps the walk's loop free of unpredictable branches.
        @inline(__always)
        mutating func recordIfExtreme(_ scaled: Int, _ i: Int, _ j: Int, _ nd: Double, _ md: Double) {
            if scaled >= largestPositive || 0 &- scaled >= largestNegative { record(scaled, i, j, nd, md) }
        }

        @inline(__always)
        mutating func record(_ scaled: Int, _ i: Int, _ j: Int, _ nd: Double, _ md: Double) {
            if scaled >= largestPositive {
                let difference = Double(i) / nd - Double(j) / md
                positive = scaled > largestPositive ? difference : Swift.max(positive, difference)
                largestPositive = scaled
            }
            if -scaled >= largestNegative {
                let difference = -(Double(i) / nd - Double(j) / md)
                negative = -scaled > largestNegative ? difference : Swift.max(negative, difference)
                largestNegative = -scaled
            }
        }
    }

    /// The two-sided KS statistic as `ks_2samp` picks it: `max(F_cur - F_ref)` (clipped to
    /// [0, 1]) when it exceeds `max(F_ref - F_cur)`, else the latter.
    var ksStatistic: Double {
        let minS = Swift.min(Swift.max(largestNegativeDifference, 0), 1)
        return minS > largestPositiveDifference ? minS : largestPositiveDifference
    }

    /// Runs the walk over any two collections, copying only those without contiguous storage.
    static func walk<Reference: Collection<Double>, Current: Collection<Double>>(
        _ reference: Reference, _ current: Current
    ) -> EmpiricalDistributionWalk {
        func withBuffer<C: Collection<Double>, R>(_ values: C, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
            if let result = values.withContiguousStorageIfAvailable(body) { return result }
            return Array(values).withUnsafeBufferPointer(body)
        }
        return withBuffer(reference) { r in
            withBuffer(current) { c in EmpiricalDistributionWalk(reference: r, current: c) }
        }
    }
}
