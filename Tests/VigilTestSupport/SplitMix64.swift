import Foundation
import VigilStats

/// The seeded generator the tests draw from: VigilStats' `SeededGenerator` (Steele, Lea and
/// Flood's SplitMix64), so that "random" test inputs are the same on every run and failures
/// reproduce.
public typealias SplitMix64 = SeededGenerator

extension SeededGenerator {
    /// A standard normal draw (Box-Muller).
    public mutating func nextNormal() -> Double {
        let u = max(nextUniform(), 0x1p-60)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * nextUniform())
    }
}
