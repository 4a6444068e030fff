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
    /// Clinger's fast path (W. D. Clinger, "How to Read Floating Point Numbers Accurately",
    /// PLDI 1990): when the significand fits in 53 bits and |exponent| ≤ 22, both operands are
    /// exact Doubles and one IEEE multiplication or division rounds correctly. Everything else
    /// (17+ significant digits, large exponents, subnormals) goes to the standard library's
    /// correctly rounded conversion on the token's bytes. Values beyond Double's range become
    /// ±infinity, as `Double(String)` gives; callers decide whether that is acceptable.
    @inline(__always)
    func doubleValue(in base: UnsafeRawPointer) -> Double {
        if significand == 0 { return isNegative ? -0.0 : 0.0 }
        if !isTruncated && significand <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            let magnitude = Double(significand)
            let value = exponent >= 0
                ? magnitude * Self.exactPowersOfTen[exponent]
                : magnitude / Self.exactPowersOfTen[-exponent]
            return isNegative ? -value : value
        }
        return slowDoubleValue(in: base)
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
