#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the daemon keeps of a reference sample so that windows can be compared against it
/// without the original data: stored as JSON next to the model.
public struct ReferenceProfile: Sendable, Equatable, Codable {
    /// One profile per column, in the order of the reference data.
    public var columns: [ColumnProfile]

    public init(columns: [ColumnProfile]) {
        self.columns = columns
    }

    /// The profile of the column called `name`.
    public func column(named name: String) -> ColumnProfile? {
        columns.first { $0.name == name }
    }
}

/// The reference profile of one column.
public enum ColumnProfile: Sendable, Equatable, Codable {
    case numeric(NumericReferenceProfile)
    case categorical(CategoricalReferenceProfile)

    public var name: String {
        switch self {
        case .numeric(let profile): profile.name
        case .categorical(let profile): profile.name
        }
    }

    private enum CodingKeys: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(ColumnKind.self, forKey: .type) {
        case .numeric: self = .numeric(try NumericReferenceProfile(from: decoder))
        case .categorical: self = .categorical(try CategoricalReferenceProfile(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .numeric(let profile): try profile.encode(to: encoder)
        case .categorical(let profile): try profile.encode(to: encoder)
        }
    }
}

/// Whether a column is compared as numbers or as categories.
public enum ColumnKind: String, Sendable, Equatable, Codable {
    case numeric
    case categorical
}

/// The reference profile of a numeric column.
///
/// Keeps the non-missing reference values sorted (all of them, or an evenly spaced bounded
/// sample of the order statistics when `maximumStoredValues` is given), the PSI edges and the
/// reference bin counts computed from all values, and summary statistics.
public struct NumericReferenceProfile: Sendable, Equatable, Codable {
    public var type: ColumnKind = .numeric
    public var name: String
    /// Rows in the reference sample, missing or not.
    public var rowCount: Int
    /// Rows whose value is missing (NaN or empty).
    public var missingCount: Int
    /// The number of bins requested; ``edges`` may hold fewer than `binCount - 1` when quantiles tie.
    public var binCount: Int
    /// Interior PSI bin edges: reference quantiles at `1/k … (k-1)/k`, distinct.
    public var edges: [Double]
    /// Reference counts per PSI bin (`edges.count + 1` bins), from all non-missing values.
    public var binCounts: [Int]
    public var minimum: Double?
    public var maximum: Double?
    public var mean: Double?
    /// Population standard deviation (ddof = 0) of all non-missing values.
    public var standardDeviation: Double?
    /// Non-missing values in ascending order: all of them unless ``isSampled``.
    public var sortedValues: [Double] {
        get { sample.sortedValues }
        set { sample = SortedSample(sorted: newValue) }
    }
    /// ``sortedValues`` as distinct values with cumulative counts, the form window evaluation
    /// walks without copying (and smaller than the values when they tie); encoded as the values.
    public private(set) var sample: SortedSample
    /// Whether ``sortedValues`` is a bounded sample of the order statistics rather than all values.
    public var isSampled: Bool

    private enum CodingKeys: String, CodingKey {
        case type, name, rowCount, missingCount, binCount, edges, binCounts, minimum, maximum, mean, standardDeviation
        case sample = "sortedValues"
        case isSampled
    }

    /// Profiles a column of reference values.
    ///
    /// - Parameters:
    ///   - values: The reference values; NaN marks a missing value.
    ///   - maximumStoredValues: If the non-missing values outnumber this, keep only this many
    ///     evenly spaced order statistics (KS and Wasserstein then use the sample; PSI, the
    ///     standard deviation and the counts still come from every value).
    public init(name: String, values: [Double], binCount: Int = 10, maximumStoredValues: Int? = nil) {
        let present = values.filter { !$0.isNaN }
        self.init(name: name, sortedPresentValues: RadixSort.sorted(present), missingCount: values.count - present.count,
                  binCount: binCount, maximumStoredValues: maximumStoredValues)
    }

    /// Profiles a column from its non-missing values already sorted ascending.
    public init(name: String, sortedPresentValues sorted: [Double], missingCount: Int, binCount: Int = 10, maximumStoredValues: Int? = nil) {
        self.name = name
        rowCount = sorted.count + missingCount
        self.missingCount = missingCount
        self.binCount = binCount
        edges = PSI.edges(sortedReference: sorted, binCount: binCount)
        binCounts = PSI.binCounts(sorted: sorted, edges: edges)
        minimum = sorted.first
        maximum = sorted.last
        let summary = Moments(sorted)
        mean = summary?.mean
        standardDeviation = summary?.standardDeviation
        if let maximumStoredValues, maximumStoredValues > 0, sorted.count > maximumStoredValues {
            let n = sorted.count
            sample = SortedSample(sorted: (0..<maximumStoredValues).lazy.map { i in
                sorted[(i * (n - 1)) / max(maximumStoredValues - 1, 1)]
            })
            isSampled = true
        } else {
            sample = SortedSample(sorted: sorted)
            isSampled = false
        }
    }

    /// Non-missing values in the reference sample.
    public var presentCount: Int { rowCount - missingCount }
}

/// The reference profile of a categorical column: how often each category occurred.
public struct CategoricalReferenceProfile: Sendable, Equatable, Codable {
    public var type: ColumnKind = .categorical
    public var name: String
    public var rowCount: Int
    public var missingCount: Int
    /// Occurrences of each category among non-missing values.
    public var categoryCounts: [String: Int]

    /// Profiles a column of categories; `nil` marks a missing value.
    public init(name: String, values: [String?]) {
        self.name = name
        rowCount = values.count
        var counts: [String: Int] = [:]
        var missing = 0
        for value in values {
            if let value { counts[value, default: 0] += 1 } else { missing += 1 }
        }
        missingCount = missing
        categoryCounts = counts
    }

    public init(name: String, categoryCounts: [String: Int], missingCount: Int) {
        self.name = name
        self.categoryCounts = categoryCounts
        self.missingCount = missingCount
        rowCount = categoryCounts.values.reduce(0, +) + missingCount
    }

    public var presentCount: Int { rowCount - missingCount }
}

/// Mean and population standard deviation, as `numpy.mean` and `numpy.std(ddof=0)`
/// (two-pass, so that large offsets do not cancel).
struct Moments {
    var mean: Double
    var standardDeviation: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        var sum = 0.0
        for value in values { sum += (value - mean) * (value - mean) }
        standardDeviation = (sum / n).squareRoot()
    }
}
