/// A number token as the scanner found it: where its bytes are, and its decimal significand
/// and exponent, gathered while the grammar of RFC 8259 §6 was checked.
///
/// Keeping the raw range lets callers keep a number's exact text (a model `version` of `3.10`
/// stays `"3.10"`), and keeping the decimal digits lets `doubleValue` convert most numbers
/// without a second pass over the bytes.
struct JSONNumber {
    /// Offset of the first byte (the `-` or first digit).
    var start: Int
    /// Offset one past the last byte.
    var end: Int
    /// The first (up to) 19 significant decimal digits.
    var significand: UInt64
    /// The power of ten that `significand` is scaled by, saturated far beyond Double's range.
    var exponent: Int
    var isNegative: Bool
    /// True when significant digits beyond the first 19 were dropped (then `significand` and
    /// `exponent` only approximate the value and the slow path is taken).
    var isTruncated: Bool
    /// True when the text has no fraction and no exponent part.
    var isIntegerText: Bool

    /// Exact powers of ten representable in a Double: 10^0 ... 10^22.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The value, correctly rounded to the nearest Double (ties to even), as `Double(String)` gives.
    ///
    /// Three paths, fastest first:
    /// 1. Clinger's fast path (W. D. Clinger, "How to Read Floating Point Numbers Accurately",
    ///    PLDI 1990): when the significand fits in 53 bits and |exponent| ≤ 22, both operands
    ///    are exact Doubles and one IEEE multiplication or division rounds correctly.
    /// 2. The Eisel-Lemire algorithm (D. Lemire, "Number Parsing at a Gigabyte per Second",
    ///    2021) for any other exactly gathered significand of up to 19 digits: one or two
    ///    64×64-bit multiplications by a truncated power of five, proven always to suffice
    ///    (N. Mushtak and D. Lemire, "Fast Number Parsing Without Fallback", 2023).
    /// 3. The standard library's conversion of the token's text, for numbers with more than
    ///    19 significant digits.
    ///
    /// Values beyond Double's range become ±infinity and values below its smallest subnormal
    /// ±0, as `Double(String)` gives; callers decide whether that is acceptable.
    @inline(__always)
    func doubleValue(in base: UnsafeRawPointer) -> Double {
        if significand == 0 { return isNegative ? -0.0 : 0.0 }
        if isTruncated { return slowDoubleValue(in: base) }
        if significand <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            let magnitude = Double(significand)
            let value = exponent >= 0
                ? magnitude * Self.exactPowersOfTen[exponent]
                : magnitude / Self.exactPowersOfTen[-exponent]
            return isNegative ? -value : value
        }
        let value = Self.eiselLemire(significand, exponent)
        return isNegative ? -value : value
    }

    /// w × 10^q correctly rounded, for 0 < w < 10^19 (the Eisel-Lemire algorithm, binary64
    /// parameters, as in the fast_float library's `compute_float`).
    @inline(never)
    static func eiselLemire(_ significand: UInt64, _ q: Int) -> Double {
        if q < PowersOfFive.smallestExponent { return 0 }
        if q > PowersOfFive.largestExponent { return .infinity }
        let leadingZeros = significand.leadingZeroBitCount
        let w = significand << UInt64(leadingZeros)

        // The product of w and the truncated 128-bit 5^q, to 128 bits; the second (low-half)
        // multiplication is needed only when the first leaves the bits below the mantissa
        // plus 3 all ones.
        let index = 2 * (q - PowersOfFive.smallestExponent)
        var (high, low) = w.multipliedFullWidth(by: PowersOfFive.table[index])
        let precisionMask: UInt64 = .max >> 55
        if high & precisionMask == precisionMask {
            let second = w.multipliedFullWidth(by: PowersOfFive.table[index + 1]).high
            let (sum, overflow) = low.addingReportingOverflow(second)
            low = sum
            if overflow { high &+= 1 }
        }

        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 64 - 52 - 3)
        var mantissa = high >> shift
        // floor(log2(10^q)) + 63, via (217706 × q) >> 16, exact over the table's range.
        var power2 = ((217_706 * q) >> 16) + 63 + upperBit - leadingZeros + 1023

        if power2 <= 0 {  // subnormal, or zero
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(-power2 + 1)
            mantissa += mantissa & 1
            mantissa >>= 1
            // Rounding may carry into the smallest normal exponent.
            power2 = mantissa < (1 << 52) ? 0 : 1
            return Double(bitPattern: UInt64(power2) << 52 | (mantissa & ((1 << 52) - 1)))
        }

        // Exactly halfway between two Doubles (only possible when 5^q fits in 64 bits):
        // round to even rather than up.
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && (mantissa << shift) == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return .infinity }
        return Double(bitPattern: UInt64(power2) << 52 | mantissa)
    }

    /// The correctly rounded conversion of the token's text by the standard library.
    @inline(never)
    func slowDoubleValue(in base: UnsafeRawPointer) -> Double {
        let text = String(decoding: UnsafeRawBufferPointer(start: base + start, count: end - start), as: UTF8.self)
        // The scanner only produces RFC 8259 numbers, which `Double(String)` always accepts.
        return Double(text) ?? .nan
    }

    /// The token's text, e.g. `"3.10"`.
    func text(in base: UnsafeRawPointer) -> String {
        String(decoding: UnsafeRawBufferPointer(start: base + start, count: end - start), as: UTF8.self)
    }
}
