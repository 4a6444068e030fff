/// SplitMix64: a small, fast, seedable generator, so that the same seed gives the same folds,
/// samples and searches on every run and every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in `0..<bound` (bound > 0), by multiply-shift (Lemire, without the
    /// rejection step: its bias is below 2^-32 for the bounds used here).
    public mutating func nextIndex(below bound: Int) -> Int {
        Int((UInt64(truncatingIfNeeded: next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// A generator for a sub-task, independent of this one's later draws.
    public mutating func fork() -> SeededGenerator { SeededGenerator(seed: next()) }

    /// The elements of `array` in a random order (Fisher–Yates with this generator's draws, so
    /// the order is fixed by the seed rather than by the standard library's algorithm).
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var result = array
        if result.count < 2 { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, nextIndex(below: index + 1))
        }
        return result
    }
}
