/// A sorted sample held as its distinct values and how many values are at or below each: the
/// form the merge walk for KS and Wasserstein reads (``EmpiricalDistributionWalk``).
///
/// Both statistics change only at the end of a run of tied values, so a walk over distinct
/// values takes the same steps that matter as a walk over every value, and none of the others:
/// with values recorded to a few decimals, a reference of 100,000 values typically has 20,000 to
/// 60,000 distinct ones. The arrays are kept padded (`-inf` and a count of 0 in front, `+inf` and
/// the sample size behind) so that the walk reads them in place, without a bounds check or a copy.
///
/// `-0.0` and `0.0` compare equal, so they are one distinct value (as the walk must treat them:
/// a tie); how many of them were `-0.0` is kept apart so that ``sortedValues`` gives back the
/// sample as sorted (negative zeros first, the order ``RadixSort`` gives them).
///
/// Encodes as the plain ascending array, so stored reference profiles keep their format.
public struct SortedSample: Sendable, Codable {
    /// `-inf`, the distinct values ascending, `+inf`.
    let paddedValues: [Double]
    /// `0`, the number of values at or below each distinct value, the sample size.
    let paddedCumulativeCounts: [UInt32]
    /// How many of the zeros were `-0.0`.
    let negativeZeroCount: Int

    /// The sample size.
    public var count: Int { Int(paddedCumulativeCounts[paddedCumulativeCounts.count - 1]) }

    public var isEmpty: Bool { count == 0 }

    /// The number of distinct values.
    public var distinctCount: Int { paddedValues.count - 2 }

    /// Whether every value is finite, which the fast walk needs (its padding is infinite).
    public var isFinite: Bool { isEmpty || (paddedValues[1].isFinite && paddedValues[paddedValues.count - 2].isFinite) }

    /// Groups an ascending sample without NaN into its distinct values.
    ///
    /// One pass without unpredictable branches (ties are common and irregular): each value is
    /// written at the slot of the last distinct value, or the next slot when it differs from it.
    /// The arrays are made exactly as long as needed when many values tie, since a reference
    /// profile keeps them.
    ///
    /// - Precondition: fewer than 2^32 values (the counts are 32-bit, to keep the profile small).
    public init<C: Collection<Double>>(sorted values: C) {
        let capacity = values.count + 2
        precondition(capacity <= Int(UInt32.max), "a sorted sample holds fewer than 2^32 values")
        var negativeZeros = 0
        var counts: [UInt32] = []
        var distinctValues = [Double](unsafeUninitializedCapacity: capacity) { valueBuffer, valueCount in
            counts = [UInt32](unsafeUninitializedCapacity: capacity) { countBuffer, countCount in
                valueBuffer[0] = -.infinity
                countBuffer[0] = 0
                var last = 0
                var previous = Double.nan  // differs from the first value, so that it opens slot 1
                var total: UInt32 = 0
                for value in values {
                    total &+= 1
                    negativeZeros &+= value == 0 && value.sign == .minus ? 1 : 0
                    last &+= value != previous ? 1 : 0
                    valueBuffer[last] = value
                    countBuffer[last] = total
                    previous = value
                }
                valueBuffer[last + 1] = .infinity
                countBuffer[last + 1] = total
                valueCount = last + 2
                countCount = last + 2
            }
        }
        if distinctValues.count < capacity / 4 * 3 {  // copies of exactly the distinct values
            distinctValues = distinctValues.withUnsafeBufferPointer { Array($0) }
            counts = counts.withUnsafeBufferPointer { Array($0) }
        }
        self.init(paddedValues: distinctValues, paddedCumulativeCounts: counts, negativeZeroCount: negativeZeros)
    }

    private init(paddedValues: [Double], paddedCumulativeCounts: [UInt32], negativeZeroCount: Int) {
        self.paddedValues = paddedValues
        self.paddedCumulativeCounts = paddedCumulativeCounts
        self.negativeZeroCount = negativeZeroCount
    }

    /// Every value in ascending order, ties repeated.
    public var sortedValues: [Double] {
        var result: [Double] = []
        result.reserveCapacity(count)
        for index in 1..<(paddedValues.count - 1) {
            let value = paddedValues[index]
            let repeats = Int(paddedCumulativeCounts[index] - paddedCumulativeCounts[index - 1])
            if value == 0 {
                result.append(contentsOf: repeatElement(-0.0, count: negativeZeroCount))
                result.append(contentsOf: repeatElement(0.0, count: repeats - negativeZeroCount))
            } else {
                result.append(contentsOf: repeatElement(value, count: repeats))
            }
        }
        return result
    }

    /// Each distinct value with how many values equal it, ascending.
    func forEachDistinct(_ body: (_ value: Double, _ count: Int) -> Void) {
        for index in 1..<(paddedValues.count - 1) {
            body(paddedValues[index], Int(paddedCumulativeCounts[index] - paddedCumulativeCounts[index - 1]))
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(sorted: try decoder.singleValueContainer().decode([Double].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sortedValues)
    }
}

extension SortedSample: Equatable {
    /// Equal when the sorted values are (`-0.0 == 0.0`, as for arrays of them).
    public static func == (lhs: SortedSample, rhs: SortedSample) -> Bool {
        lhs.paddedValues == rhs.paddedValues && lhs.paddedCumulativeCounts == rhs.paddedCumulativeCounts
    }
}
