#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The logistic function `1 / (1 + exp(-z))`, evaluated so that no intermediate overflows:
/// for negative `z` it is `exp(z) / (1 + exp(z))`, so a huge `|z|` gives exactly 0 or 1.
@inline(__always)
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}

/// `log(1 + exp(z))` (the softplus), exact to rounding for every finite `z`: written as
/// `max(z, 0) + log1p(exp(-|z|))`, so it neither overflows for large `z` nor underflows to 0
/// in a way that loses the `exp(z)` tail for very negative `z`.
@inline(__always)
func logOnePlusExp(_ z: Double) -> Double {
    max(z, 0) + log1p(exp(-abs(z)))
}
