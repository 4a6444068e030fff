import Foundation

/// A seeded generator (Steele, Lea and Flood's SplitMix64), so that "random" test inputs
/// are the same on every run and failures reproduce.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// A uniform double in [0, 1).
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal draw (Box-Muller).
    public mutating func nextNormal() -> Double {
        let u = max(nextUniform(), 0x1p-60)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * nextUniform())
    }
}
