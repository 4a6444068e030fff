/// Sorting of `Double` samples by their bit patterns, for the daemon's per-window sort.
public enum RadixSort {
    /// The values in ascending order (NaN must have been removed; `-0.0` sorts before `0.0`,
    /// which compare equal, so the order is a valid ascending order).
    ///
    /// An LSD radix sort on order-preserving 64-bit keys, 11 bits per pass, skipping passes
    /// in which every key has the same digit (typical for exponent bits). Several times faster
    /// than a comparison sort for windows of 10^4-10^6 values.
    ///
    /// - Complexity: O(n), in at most 6 passes.
    public static func sorted(_ values: [Double]) -> [Double] {
        if values.count < 256 { return values.sorted() }
        return sortedKeys(values).map(value(ofKey:))
    }

    /// The values in ascending order as a ``SortedSample``, built straight from the sorted keys
    /// (NaN must have been removed).
    public static func sortedSample(_ values: [Double]) -> SortedSample {
        if values.count < 256 { return SortedSample(sorted: values.sorted()) }
        return SortedSample(sorted: sortedKeys(values).lazy.map(value(ofKey:)))
    }

    /// The value whose order-preserving key is `key`.
    @inline(__always)
    private static func value(ofKey key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }

    /// The values' order-preserving keys, sorted.
    ///
    /// The digit counts are 32-bit when the values are fewer than 2^32: the six histograms of
    /// 2,048 counts then take 48 KiB instead of 96, which the per-window sort feels.
    private static func sortedKeys(_ values: [Double]) -> [UInt64] {
        values.count < Int(UInt32.max) ? sortedKeys(values, counter: UInt32.self) : sortedKeys(values, counter: Int.self)
    }

    private static func sortedKeys<Counter: FixedWidthInteger>(_ values: [Double], counter: Counter.Type) -> [UInt64] {
        let n = values.count
        let bits = 11
        let radix = 1 << bits
        let mask = UInt64(radix - 1)
        let passCount = 6
        // Every element of `keys` is written by the first loop, and of `buffer` by each pass.
        var keys = [UInt64](unsafeUninitializedCapacity: n) { _, count in count = n }
        var histogram = [Counter](repeating: 0, count: radix * passCount)
        values.withUnsafeBufferPointer { source in
            keys.withUnsafeMutableBufferPointer { keys in
                histogram.withUnsafeMutableBufferPointer { histogram in
                    for i in 0..<n {
                        let raw = source[i].bitPattern
                        // Flip all bits of negatives, only the sign bit of positives.
                        let key = raw & (1 << 63) != 0 ? ~raw : raw | (1 << 63)
                        keys[i] = key
                        for pass in 0..<passCount {
                            histogram[pass * radix + Int((key >> UInt64(pass * bits)) & mask)] &+= 1
                        }
                    }
                }
            }
        }
        var buffer = [UInt64](unsafeUninitializedCapacity: n) { _, count in count = n }
        for pass in 0..<passCount {
            let base = pass * radix
            let shift = UInt64(pass * bits)
            // Skip a pass whose digit is the same for every key.
            let firstDigit = Int((keys[0] >> shift) & mask)
            if histogram[base + firstDigit] == n { continue }
            var offset: Counter = 0
            for digit in 0..<radix {
                let count = histogram[base + digit]
                histogram[base + digit] = offset
                offset &+= count
            }
            keys.withUnsafeBufferPointer { keys in
                buffer.withUnsafeMutableBufferPointer { buffer in
                    histogram.withUnsafeMutableBufferPointer { histogram in
                        for i in 0..<n {
                            let key = keys[i]
                            let slot = base + Int((key >> shift) & mask)
                            buffer[Int(histogram[slot])] = key
                            histogram[slot] &+= 1
                        }
                    }
                }
            }
            swap(&keys, &buffer)
        }
        return keys
    }
}
