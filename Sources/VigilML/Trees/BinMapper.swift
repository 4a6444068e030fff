import Dispatch
import VigilStats

/// How one feature's values map to the small integer bins the tree learners work on.
///
/// Numeric (and boolean) values fall into up to `maximumBins` bins with about equal numbers
/// of training rows, each bin covering `(upperBounds[b-1], upperBounds[b]]`; a value seen in
/// few rows still gets a bin of its own when there are few distinct values. Categories get a
/// bin each, most frequent first. Missing values, and categories unseen in training or beyond
/// the bin limit, go to the extra bin `missingBin`.
public struct BinMapper: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case numeric, categorical }

    public var kind: Kind
    /// Numeric: the ascending upper bounds of the value bins; the last is +inf.
    public var upperBounds: [Double]
    /// Categorical: the category of each bin.
    public var categories: [String]

    /// The number of value bins (the missing bin comes after them).
    public var binCount: Int { kind == .numeric ? upperBounds.count : categories.count }
    public var missingBin: UInt8 { UInt8(binCount) }

    /// At most 255 value bins, so that a bin and the missing bin fit a byte.
    public static let largestBinCount = 255

    enum CodingKeys: String, CodingKey { case kind, upperBounds = "upper_bounds", categories }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        // JSON has no infinity: the last numeric bound is implied.
        upperBounds = (try container.decodeIfPresent([Double].self, forKey: .upperBounds) ?? [])
        if kind == .numeric { upperBounds.append(.infinity) }
        categories = try container.decodeIfPresent([String].self, forKey: .categories) ?? []
        guard binCount >= 1, binCount <= Self.largestBinCount else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "a feature needs 1 to 255 bins")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        if kind == .numeric { try container.encode(Array(upperBounds.dropLast()), forKey: .upperBounds) } else { try container.encode(categories, forKey: .categories) }
    }

    init(kind: Kind, upperBounds: [Double] = [], categories: [String] = []) {
        self.kind = kind
        self.upperBounds = upperBounds
        self.categories = categories
    }

    /// Bins fitted to the training values of a feature.
    public init(fitting column: FeatureColumn, maximumBins: Int = BinMapper.largestBinCount) {
        let maximumBins = max(2, min(maximumBins, Self.largestBinCount))
        if column.kind == .categorical {
            var counts: [String: Int] = [:]
            for case let value? in column.categories { counts[value, default: 0] += 1 }
            let ordered = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            self.init(kind: .categorical, categories: ordered.prefix(maximumBins).map(\.key))
            if categories.isEmpty { categories = [""] }
        } else {
            self.init(kind: .numeric, upperBounds: Self.upperBounds(RadixSort.sorted(column.numbers.filter { !$0.isNaN }), maximumBins: maximumBins))
        }
    }

    /// Equal-frequency bounds over sorted values: every distinct value its own bin when there
    /// are at most `maximumBins`; otherwise a greedy pass that closes a bin once it holds its
    /// share of the rows still unassigned, so a very frequent value ends up alone in its bin.
    /// Bounds lie halfway between neighbouring distinct values.
    static func upperBounds(_ sorted: [Double], maximumBins: Int) -> [Double] {
        guard !sorted.isEmpty else { return [.infinity] }
        var distinct: [Double] = []
        var counts: [Int] = []
        for value in sorted {
            if let last = distinct.last, last == value { counts[counts.count - 1] += 1 } else {
                distinct.append(value)
                counts.append(1)
            }
        }
        var bounds: [Double] = []
        func midpoint(_ index: Int) -> Double {
            let a = distinct[index], b = distinct[index + 1]
            let middle = a + (b - a) / 2
            return middle < b ? middle : a
        }
        if distinct.count <= maximumBins {
            for index in 0..<(distinct.count - 1) { bounds.append(midpoint(index)) }
        } else {
            var remainingRows = sorted.count
            var remainingBins = maximumBins
            var inBin = 0
            for index in 0..<(distinct.count - 1) where remainingBins > 1 {
                inBin += counts[index]
                let share = Double(remainingRows) / Double(remainingBins)
                // Close the bin when it is full, or when adding the next value would overfill
                // it by more than stopping here underfills it.
                if Double(inBin) >= share || Double(inBin + counts[index + 1]) - share > share - Double(inBin) {
                    bounds.append(midpoint(index))
                    remainingRows -= inBin
                    remainingBins -= 1
                    inBin = 0
                }
            }
        }
        bounds.append(.infinity)
        return bounds
    }

    /// The bin of a numeric value (NaN: the missing bin).
    @inline(__always)
    public func bin(of value: Double) -> UInt8 {
        if value.isNaN { return missingBin }
        // The first bound >= value, by a branch-free binary search (the last bound is +inf).
        return upperBounds.withUnsafeBufferPointer { bounds in
            var base = 0
            var length = bounds.count
            while length > 1 {
                let half = length / 2
                base = bounds[base + half - 1] < value ? base + half : base
                length -= half
            }
            return UInt8(base)
        }
    }

    /// The bins of a whole column.
    public func bins(of column: FeatureColumn) -> [UInt8] {
        if kind == .categorical {
            var index: [String: UInt8] = [:]
            for (bin, category) in categories.enumerated() { index[category] = UInt8(bin) }
            let missing = missingBin
            return column.categories.map { value in value.flatMap { index[$0] } ?? missing }
        }
        return column.numbers.map { bin(of: $0) }
    }
}

/// A feature table as bins: one byte per row and feature, column by column, with the mappers
/// that made them.
public struct BinnedDataset: Sendable {
    public var mappers: [BinMapper]
    public var columns: [[UInt8]]
    public var rowCount: Int

    /// Bins `features` with the given mappers (fitted on training rows, perhaps other rows),
    /// a feature per thread at a time.
    public init(_ features: [FeatureColumn], mappers: [BinMapper], threads: Int = 2) {
        precondition(features.count == mappers.count)
        self.mappers = mappers
        self.columns = BinnerPool.map(features.indices, threads: threads) { mappers[$0].bins(of: features[$0]) }
        self.rowCount = features.first?.rowCount ?? 0
    }

    /// Fits a mapper to each feature and bins them.
    public init(fitting features: [FeatureColumn], maximumBins: Int = BinMapper.largestBinCount, threads: Int = 2) {
        self.init(features, mappers: BinnerPool.mappers(for: features, maximumBins: maximumBins, threads: threads), threads: threads)
    }

    /// The rows given, in that order.
    public func selecting(rows: [Int]) -> BinnedDataset {
        var copy = self
        copy.columns = columns.map { column in rows.map { column[$0] } }
        copy.rowCount = rows.count
        return copy
    }
}

/// Per-feature work spread over threads: fitting mappers and binning columns.
enum BinnerPool {
    static func mappers(for features: [FeatureColumn], maximumBins: Int, threads: Int) -> [BinMapper] {
        map(features.indices, threads: threads) { BinMapper(fitting: features[$0], maximumBins: maximumBins) }
    }

    /// `transform` of each index, computed on up to `threads` threads, in index order.
    static func map<T: Sendable>(_ indices: Range<Int>, threads: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        let count = indices.count
        if threads <= 1 || count <= 1 { return indices.map(transform) }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        // Deinitialize before deallocating: the slots hold values (arrays) whose storage would leak.
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let output = UnsafeSendable(results)
        let lower = indices.lowerBound
        let stride = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: stride) { thread in
            var index = thread
            while index < count {
                output.value[index] = transform(lower + index)
                index += stride
            }
        }
        return results.map { $0! }
    }
}
