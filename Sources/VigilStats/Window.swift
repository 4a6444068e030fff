/// Accumulates one numeric column of the current window, value by value, for comparison
/// against a ``NumericReferenceProfile``.
public struct NumericWindow: Sendable, Equatable {
    /// Non-missing values in arrival order.
    public private(set) var values: [Double] = []
    /// Values that were missing (NaN).
    public private(set) var missingCount = 0

    public init() {}

    /// A whole column at once: the present values are copied in one pass without branches
    /// (every value is written, and the write position advances past the present ones).
    public init(values: [Double]) {
        var present = 0
        self.values = [Double](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeBufferPointer { source in
                for value in source {
                    buffer[present] = value
                    present &+= value.isNaN ? 0 : 1
                }
            }
            count = present
        }
        missingCount = values.count - present
    }

    /// Adds one value; NaN counts as missing.
    public mutating func append(_ value: Double) {
        if value.isNaN { missingCount += 1 } else { values.append(value) }
    }

    /// Adds a missing value.
    public mutating func appendMissing() {
        missingCount += 1
    }

    /// Starts a new window, keeping the storage.
    public mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
        missingCount = 0
    }

    /// The drift of this window against `profile`.
    ///
    /// Sorts only the window; the reference stays as stored. KS and Wasserstein walk the two
    /// samples' distinct values once; PSI bins come from the window's sorted walk over the stored edges.
    ///
    /// - Complexity: O(m) to sort the window (radix sort), O(distinct values of both) for the walks.
    public func evaluate(against profile: NumericReferenceProfile) -> ColumnDrift {
        ColumnDrift.numeric(
            name: profile.name,
            sortedReference: profile.sample, referenceMissing: profile.missingCount,
            referenceBinCounts: profile.binCounts, edges: profile.edges,
            referenceStandardDeviation: profile.standardDeviation,
            sortedCurrent: RadixSort.sortedSample(values), currentMissing: missingCount)
    }
}

/// Accumulates one categorical column of the current window.
public struct CategoricalWindow: Sendable, Equatable {
    public private(set) var categoryCounts: [String: Int] = [:]
    public private(set) var missingCount = 0

    public init() {}

    /// Counts a whole column at once, with the same counts as appending each value, faster:
    /// see ``CategoryCounter``.
    public init(values: [String?]) {
        var counter = CategoryCounter()
        missingCount = counter.add(contentsOf: values)
        categoryCounts = counter.counts
    }

    /// Adds one value; `nil` counts as missing.
    public mutating func append(_ category: String?) {
        if let category { categoryCounts[category, default: 0] += 1 } else { missingCount += 1 }
    }

    public mutating func removeAll() {
        categoryCounts.removeAll(keepingCapacity: true)
        missingCount = 0
    }

    /// The drift of this window against `profile`.
    public func evaluate(against profile: CategoricalReferenceProfile) -> ColumnDrift {
        ColumnDrift.categorical(
            name: profile.name, reference: profile.categoryCounts, referenceMissing: profile.missingCount,
            current: categoryCounts, currentMissing: missingCount)
    }
}

/// Counts strings by equality, as `[String: Int]` does, without hashing each one with
/// `Hasher` (SipHash, seeded per process): counting a window's categories that way was a
/// tenth of a window evaluation.
///
/// ASCII strings, which categories nearly always are, go to an open-addressing table keyed by
/// an FNV-1a hash of their bytes; for them equal bytes and equality are the same thing. Any other
/// string goes to a dictionary, whose hashing respects Unicode canonical equivalence, and
/// ``counts`` merges the two the same way, so a non-ASCII string equal to an ASCII one (the
/// Kelvin sign and "K") is counted with it as before, under the form seen first, as a
/// dictionary keeps it (subgroup values and versions are printed).
public struct CategoryCounter: Sendable {
    /// One string of the table, used when `count` is above zero.
    private struct Slot {
        var key = ""
        var hash: UInt64 = 0
        var count = 0
        /// When the string was first added (the number of strings added before it).
        var firstSeen = 0
    }

    private var slots = [Slot](repeating: Slot(), count: 16)
    private var used = 0
    /// Strings that are not ASCII, with their counts and when each was first added.
    private var others: [String: (count: Int, firstSeen: Int)] = [:]
    /// Strings added so far.
    private var added = 0

    public init() {}

    public mutating func add(_ value: String) {
        defer { added &+= 1 }
        guard let hash = Self.asciiHash(value) else {
            others[value, default: (0, added)].count += 1
            return
        }
        let mask = slots.count - 1
        var slot = Self.slot(of: hash, mask: mask)
        while slots[slot].count > 0 {
            if slots[slot].hash == hash && slots[slot].key == value {
                slots[slot].count += 1
                return
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Slot(key: value, hash: hash, count: 1, firstSeen: added)
        used += 1
        if used * 2 > slots.count { grow() }
    }

    /// Adds every value of `values` that is not `nil`, with the counts of adding them one by one;
    /// returns how many were `nil`. A value whose string is already in the table (nearly every
    /// one: a column has few categories) is counted within one access to the table's storage.
    public mutating func add(contentsOf values: [String?]) -> Int {
        var missing = 0
        var next = 0
        while next < values.count {
            var counted = 0
            let stop = slots.withUnsafeMutableBufferPointer { slots in
                let mask = slots.count - 1
                var index = next
                scan: while index < values.count {
                    guard let value = values[index] else {
                        missing += 1
                        index += 1
                        continue
                    }
                    guard let hash = Self.asciiHash(value) else { break }
                    var slot = Self.slot(of: hash, mask: mask)
                    while slots[slot].count > 0 {
                        if slots[slot].hash == hash && slots[slot].key == value {
                            slots[slot].count += 1
                            counted += 1
                            index += 1
                            continue scan
                        }
                        slot = (slot + 1) & mask
                    }
                    break
                }
                return index
            }
            added &+= counted
            guard stop < values.count, let value = values[stop] else { break }
            add(value)  // a new string, or one that is not ASCII
            next = stop + 1
        }
        return missing
    }

    /// Each distinct string with its count.
    public var counts: [String: Int] {
        var result: [String: Int] = Dictionary(minimumCapacity: used + others.count)
        var firstSeen: [String: Int] = [:]
        for slot in slots where slot.count > 0 {
            result[slot.key] = slot.count
            if !others.isEmpty { firstSeen[slot.key] = slot.firstSeen }
        }
        for (value, other) in others {
            if let count = result[value], let asciiFirstSeen = firstSeen[value], other.firstSeen < asciiFirstSeen {
                // The non-ASCII form came first: a dictionary would have kept it as the key.
                result.removeValue(forKey: value)
                result[value] = count + other.count
            } else {
                result[value, default: 0] += other.count
            }
        }
        return result
    }

    /// FNV-1a of the string's UTF-8 bytes, or `nil` when one is not ASCII (or the bytes are not
    /// contiguous, which native strings always are).
    @inline(__always)
    private static func asciiHash(_ value: String) -> UInt64? {
        value.utf8.withContiguousStorageIfAvailable { bytes -> UInt64? in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            var high: UInt8 = 0
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                high |= byte
            }
            return high < 0x80 ? hash : nil
        } ?? nil
    }

    @inline(__always)
    private static func slot(of hash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
    }

    /// Doubles the table, keeping it at most half full.
    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for entry in old where entry.count > 0 {
            var slot = Self.slot(of: entry.hash, mask: mask)
            while slots[slot].count > 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
    }
}
