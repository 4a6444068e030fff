/// Checks that bytes are well-formed UTF-8, as RFC 8259 §8.1 requires of JSON exchanged between systems.
///
/// Well-formed means the byte sequences of the Unicode Standard's Table 3-7: no overlong forms
/// (`C0`, `C1`, `E0 80`–`E0 9F`, `F0 80`–`F0 8F`), no encoded surrogates (`ED A0`–`ED BF`), nothing
/// above U+10FFFF (`F4 90`+, `F5`–`FF`), no stray continuation bytes and no truncated sequences.
enum UTF8Validation {
    /// The offset of the first byte of the first ill-formed sequence, or `nil` when all of
    /// `bytes` is well-formed.
    ///
    /// Runs of ASCII are checked eight bytes at a time, so an all-ASCII line costs one load and
    /// one mask test per eight bytes.
    ///
    /// - Complexity: O(*n*).
    static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var i = 0
        while i < count {
            while i &+ 8 <= count {
                if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
                i &+= 8
            }
            guard i < count else { return nil }
            let lead = base.load(fromByteOffset: i, as: UInt8.self)
            if lead < 0x80 {
                i &+= 1
                continue
            }
            // Length of the sequence and the allowed range of its second byte (Table 3-7).
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondHigh = 0x9F
            case 0xF0: length = 4; secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondHigh = 0x8F
            default: return i  // 80–C1 (continuation or overlong lead), F5–FF.
            }
            guard i &+ length <= count else { return i }
            let second = base.load(fromByteOffset: i &+ 1, as: UInt8.self)
            guard second >= secondLow && second <= secondHigh else { return i }
            var k = 2
            while k < length {
                let next = base.load(fromByteOffset: i &+ k, as: UInt8.self)
                guard next & 0xC0 == 0x80 else { return i }
                k &+= 1
            }
            i &+= length
        }
        return nil
    }
}
