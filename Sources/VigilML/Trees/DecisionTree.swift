/// One fitted tree over binned features.
///
/// Internal nodes are numbered from 0 (the root); a child reference `c >= 0` is an internal
/// node, `c < 0` is the leaf `~c`. A numeric node sends bins `<= thresholdBin` left; a
/// categorical node sends the bins in its set left. The missing bin goes the node's default
/// way. A tree without internal nodes has one leaf.
public struct DecisionTree: Sendable, Equatable, Codable {
    public var feature: [Int32] = []
    public var thresholdBin: [UInt8] = []
    /// Per internal node: the bins sent left by a categorical split (empty for numeric).
    public var categoricalBins: [[UInt8]] = []
    public var defaultLeft: [Bool] = []
    public var left: [Int32] = []
    public var right: [Int32] = []
    public var leafValues: [Double] = [0]
    /// The split gain of each internal node, for feature importance.
    public var gain: [Double] = []

    enum CodingKeys: String, CodingKey {
        case feature, thresholdBin = "threshold_bin", categoricalBins = "categorical_bins", defaultLeft = "default_left"
        case left, right, leafValues = "leaf_values", gain
    }

    public init() {}

    /// Bitsets of the categorical nodes' bins, for fast prediction.
    struct Compiled: Sendable {
        var feature: [Int32]
        var threshold: [UInt8]
        var isCategorical: [Bool]
        var bitset: [UInt64]  // 4 words per node
        var defaultLeft: [Bool]
        var left: [Int32]
        var right: [Int32]
        var leafValues: [Double]
    }

    func compiled() -> Compiled {
        var bitset = [UInt64](repeating: 0, count: feature.count * 4)
        var isCategorical = [Bool](repeating: false, count: feature.count)
        for node in feature.indices where !categoricalBins[node].isEmpty {
            isCategorical[node] = true
            for bin in categoricalBins[node] { bitset[node * 4 + Int(bin >> 6)] |= 1 << UInt64(bin & 63) }
        }
        return Compiled(feature: feature, threshold: thresholdBin, isCategorical: isCategorical, bitset: bitset,
                        defaultLeft: defaultLeft, left: left, right: right, leafValues: leafValues)
    }
}

extension DecisionTree.Compiled {
    /// The leaf a row reaches; `bin(feature)` gives the row's bin of a feature.
    @inline(__always)
    func leaf(missingBins: UnsafeBufferPointer<UInt8>, bin: (Int) -> UInt8) -> Int {
        if feature.isEmpty { return 0 }
        var node: Int32 = 0
        while node >= 0 {
            let index = Int(node)
            let f = Int(feature[index])
            let b = bin(f)
            let goLeft: Bool
            if b == missingBins[f] {
                goLeft = defaultLeft[index]
            } else if isCategorical[index] {
                goLeft = bitset[index * 4 + Int(b >> 6)] & (1 << UInt64(b & 63)) != 0
            } else {
                goLeft = b <= threshold[index]
            }
            node = goLeft ? left[index] : right[index]
        }
        return Int(~node)
    }

    /// Adds `scale` times each row's leaf value to `scores`.
    func addPredictions(of data: BinnedDataset, scale: Double = 1, to scores: inout [Double]) {
        let missing = data.mappers.map(\.missingBin)
        missing.withUnsafeBufferPointer { missing in
            for row in 0..<data.rowCount {
                let leaf = leaf(missingBins: missing) { data.columns[$0][row] }
                scores[row] += scale * leafValues[leaf]
            }
        }
    }
}
