/// A cursor over the bytes of one JSON text that checks RFC 8259's grammar as it moves.
///
/// The scanner is the single place where JSON syntax is decided: `JSONValue.parse` builds a
/// tree with it and `RecordParser` reads prediction and outcome lines with it, so both accept
/// exactly the same texts. It works on raw bytes (no Foundation, no copies): strings are
/// returned as byte ranges (`JSONStringToken`) and decoded only when a caller needs a `String`;
/// numbers are returned with their decimal digits already gathered (`JSONNumber`).
///
/// The caller checks UTF-8 well-formedness of the whole text first (`UTF8Validation`), so the
/// scanner only has to look at ASCII bytes: any byte ≥ 0x80 outside a string is not JSON.
///
/// Bytes are read with unchecked loads; every load is guarded by `position < count` (or
/// `position + 8 <= count` for word loads), which the methods below maintain.
struct JSONScanner {
    /// How deep objects and arrays may nest before the text is rejected (`tooDeep`), so a
    /// hostile line of `[[[[…` cannot exhaust the stack.
    static let defaultMaximumDepth = 512

    let base: UnsafeRawPointer
    let count: Int
    /// The offset of the next byte to read.
    var position: Int = 0
    let maximumDepth: Int

    /// A scanner over `bytes`, which must stay valid while the scanner is used.
    init(_ bytes: UnsafeRawBufferPointer, maximumDepth: Int = JSONScanner.defaultMaximumDepth) {
        // An empty buffer may have no address; nothing is ever loaded from it then.
        self.base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        self.count = bytes.count
        self.maximumDepth = maximumDepth
    }

    @inline(__always)
    func byte(at offset: Int) -> UInt8 {
        base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The bytes in `start..<end`.
    @inline(__always)
    func bytes(from start: Int, to end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + start, count: end - start)
    }

    /// `code` at the current position, or `unexpectedEnd` when the text has run out.
    @inline(__always)
    func failure(_ code: JSONSyntaxError.Code) -> JSONSyntaxError {
        position >= count ? JSONSyntaxError(.unexpectedEnd, at: count) : JSONSyntaxError(code, at: position)
    }

    // MARK: - Whitespace and structure

    /// Skips RFC 8259 whitespace: space, tab, line feed, carriage return (so a `\r` left
    /// before the newline of a CRLF file is harmless).
    @inline(__always)
    mutating func skipWhitespace() {
        while position < count {
            let b = byte(at: position)
            guard b <= 0x20, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            position &+= 1
        }
    }

    /// The next byte after whitespace, without consuming it; `nil` at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < count ? byte(at: position) : nil
    }

    /// The next byte after whitespace, without consuming it; 0 at the end (0 starts no value,
    /// so a `switch` on it falls to its `default`, where `skipValue` reports the end).
    @inline(__always)
    mutating func peekByte() -> UInt8 {
        skipWhitespace()
        return position < count ? byte(at: position) : 0
    }

    /// Checks that only whitespace remains.
    mutating func finish() throws(JSONSyntaxError) {
        skipWhitespace()
        if position < count { throw JSONSyntaxError(.trailingCharacters, at: position) }
    }

    /// Consumes the `{` at the current position (the caller has checked it is there).
    /// Returns false, having consumed the `}` too, when the object is empty.
    @inline(__always)
    mutating func beginObject() -> Bool {
        position &+= 1
        if peek() == UInt8(ascii: "}") {
            position &+= 1
            return false
        }
        return true
    }

    /// Reads a member name and its `:`, leaving the position at the value.
    @inline(__always)
    mutating func memberName() throws(JSONSyntaxError) -> JSONStringToken {
        guard peek() == UInt8(ascii: "\"") else { throw failure(.expectedMemberName) }
        let name = try scanString()
        guard peek() == UInt8(ascii: ":") else { throw failure(.expectedColon) }
        position &+= 1
        skipWhitespace()
        return name
    }

    /// After a member's value: consumes a `,` and returns true when another member follows,
    /// or consumes the `}` and returns false. A trailing comma fails in the next `memberName`.
    @inline(__always)
    mutating func nextMember() throws(JSONSyntaxError) -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            position &+= 1
            return true
        case UInt8(ascii: "}"):
            position &+= 1
            return false
        default:
            throw failure(.expectedCommaOrObjectEnd)
        }
    }

    /// Consumes the `[` at the current position. Returns false, having consumed the `]` too,
    /// when the array is empty; otherwise the position is at the first element.
    @inline(__always)
    mutating func beginArray() -> Bool {
        position &+= 1
        if peek() == UInt8(ascii: "]") {
            position &+= 1
            return false
        }
        return true
    }

    /// After an element: consumes a `,` and returns true when another element follows, or
    /// consumes the `]` and returns false.
    @inline(__always)
    mutating func nextElement() throws(JSONSyntaxError) -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            position &+= 1
            skipWhitespace()
            // `[1,]`: a value must follow the comma.
            if position < count && byte(at: position) == UInt8(ascii: "]") {
                throw JSONSyntaxError(.expectedValue, at: position)
            }
            return true
        case UInt8(ascii: "]"):
            position &+= 1
            return false
        default:
            throw failure(.expectedCommaOrArrayEnd)
        }
    }

    /// The error for a byte that cannot start a value, naming NaN/Infinity when that is what
    /// an encoder wrote.
    func valueStartFailure() -> JSONSyntaxError {
        guard position < count else { return JSONSyntaxError(.unexpectedEnd, at: count) }
        switch byte(at: position) {
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            return JSONSyntaxError(.nonFiniteNumber, at: position)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return JSONSyntaxError(.invalidLiteral, at: position)
        default:
            return JSONSyntaxError(.expectedValue, at: position)
        }
    }

    /// Checks and steps over the value at the current position (after whitespace).
    ///
    /// - Parameter depth: the nesting depth of the value's container; the value itself may
    ///   open one more level, up to `maximumDepth`.
    mutating func skipValue(depth: Int = 0) throws(JSONSyntaxError) {
        guard let first = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: count) }
        switch first {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        case UInt8(ascii: "{"):
            guard depth < maximumDepth else { throw JSONSyntaxError(.tooDeep, at: position) }
            if beginObject() {
                repeat {
                    _ = try memberName()
                    try skipValue(depth: depth &+ 1)
                } while try nextMember()
            }
        case UInt8(ascii: "["):
            guard depth < maximumDepth else { throw JSONSyntaxError(.tooDeep, at: position) }
            if beginArray() {
                repeat {
                    try skipValue(depth: depth &+ 1)
                } while try nextElement()
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try scanLiteral()
        default:
            throw valueStartFailure()
        }
    }

    // MARK: - Literals

    /// Reads `true`, `false` or `null` at the current position.
    mutating func scanLiteral() throws(JSONSyntaxError) -> JSONLiteral {
        let literal: JSONLiteral
        let spelling: StaticString
        switch byte(at: position) {
        case UInt8(ascii: "t"): literal = .true; spelling = "true"
        case UInt8(ascii: "f"): literal = .false; spelling = "false"
        case UInt8(ascii: "n"): literal = .null; spelling = "null"
        default: throw valueStartFailure()
        }
        let length = spelling.utf8CodeUnitCount
        guard position &+ length <= count else { throw JSONSyntaxError(.invalidLiteral, at: position) }
        let expected = spelling.utf8Start
        for k in 1..<length where byte(at: position &+ k) != expected[k] {
            throw JSONSyntaxError(.invalidLiteral, at: position)
        }
        position &+= length
        return literal
    }

    // MARK: - Strings

    /// A mask with the high bit set in each byte of `word` that is `"`, `\` or below 0x20.
    ///
    /// Bit tricks from "Bit Twiddling Hacks" (determine if a word has a byte equal to / less
    /// than n): a set bit may be a false positive only above a true one, so the lowest set bit
    /// always marks the first stop byte.
    @inline(__always)
    static func stopBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteHits = (quote &- ones) & ~quote
        let backslashHits = (backslash &- ones) & ~backslash
        let controlHits = (word &- ones &* 0x20) & ~word
        return (quoteHits | backslashHits | controlHits) & highs
    }

    /// Reads the string whose opening `"` is at the current position and returns its content's
    /// byte range, checking escapes (including that `\u` surrogates come in high–low pairs) and
    /// rejecting unescaped control characters (RFC 8259 §7).
    ///
    /// Plain runs are skipped eight bytes at a time.
    @inline(__always)
    mutating func scanString() throws(JSONSyntaxError) -> JSONStringToken {
        let open = position
        position &+= 1
        let start = position
        var hasEscapes = false
        while true {
            while position &+ 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                let stops = Self.stopBytes(word)
                if stops != 0 {
                    position &+= stops.trailingZeroBitCount &>> 3
                    break
                }
                position &+= 8
            }
            guard position < count else { throw JSONSyntaxError(.unterminatedString, at: open) }
            let b = byte(at: position)
            if b == UInt8(ascii: "\"") {
                let token = JSONStringToken(start: start, end: position, hasEscapes: hasEscapes)
                position &+= 1
                return token
            } else if b == UInt8(ascii: "\\") {
                hasEscapes = true
                try scanEscape()
            } else if b < 0x20 {
                throw JSONSyntaxError(.controlCharacterInString, at: position)
            } else {
                position &+= 1
            }
        }
    }

    /// Checks the escape whose backslash is at the current position and steps over it.
    @inline(never)
    mutating func scanEscape() throws(JSONSyntaxError) {
        let backslash = position
        guard position &+ 1 < count else { throw JSONSyntaxError(.unterminatedString, at: backslash) }
        switch byte(at: position &+ 1) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position &+= 2
        case UInt8(ascii: "u"):
            let unit = try hexQuad(at: position &+ 2, escape: backslash)
            position &+= 6
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard position &+ 1 < count,
                      byte(at: position) == UInt8(ascii: "\\"), byte(at: position &+ 1) == UInt8(ascii: "u")
                else { throw JSONSyntaxError(.loneSurrogate, at: backslash) }
                let low = try hexQuad(at: position &+ 2, escape: position)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw JSONSyntaxError(.loneSurrogate, at: backslash) }
                position &+= 6
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONSyntaxError(.loneSurrogate, at: backslash)
            }
        default:
            throw JSONSyntaxError(.invalidEscape, at: backslash)
        }
    }

    /// The four hexadecimal digits at `offset` as a UTF-16 code unit.
    func hexQuad(at offset: Int, escape: Int) throws(JSONSyntaxError) -> UInt16 {
        guard offset &+ 4 <= count else { throw JSONSyntaxError(.invalidUnicodeEscape, at: escape) }
        var unit: UInt16 = 0
        for k in 0..<4 {
            let b = byte(at: offset &+ k)
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b &- UInt8(ascii: "A") &+ 10
            default: throw JSONSyntaxError(.invalidUnicodeEscape, at: escape)
            }
            unit = unit &<< 4 | UInt16(digit)
        }
        return unit
    }

    /// The string's content as a `String`, with escapes decoded. Plain strings (the common
    /// case) are made straight from the bytes; short ones fit in `String`'s inline storage and
    /// allocate nothing.
    @inline(__always)
    func string(_ token: JSONStringToken) -> String {
        if !token.hasEscapes {
            return String(decoding: bytes(from: token.start, to: token.end), as: UTF8.self)
        }
        return decodedString(token)
    }

    @inline(never)
    func decodedString(_ token: JSONStringToken) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(token.end - token.start)
        appendDecoded(token, to: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Appends the string's content, with escapes decoded to UTF-8, to `output`.
    /// The token must come from `scanString`, which has checked every escape.
    func appendDecoded(_ token: JSONStringToken, to output: inout [UInt8]) {
        var i = token.start
        while i < token.end {
            let b = byte(at: i)
            guard b == UInt8(ascii: "\\") else {
                output.append(b)
                i &+= 1
                continue
            }
            let kind = byte(at: i &+ 1)
            i &+= 2
            switch kind {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32((try? hexQuad(at: i, escape: i)) ?? 0xFFFD)
                i &+= 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = UInt32((try? hexQuad(at: i &+ 2, escape: i)) ?? 0xDC00)
                    scalar = 0x10000 &+ ((scalar &- 0xD800) &<< 10) &+ (low &- 0xDC00)
                    i &+= 6
                }
                Self.appendUTF8(scalar, to: &output)
            default: output.append(kind)  // `"`, `\`, `/`
            }
        }
    }

    /// Appends the UTF-8 encoding of a Unicode scalar value.
    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: - Numbers

    /// Reads the number at the current position (RFC 8259 §6:
    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`), gathering its first 19
    /// significant digits and its decimal exponent on the way.
    @inline(__always)
    mutating func scanNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        var isNegative = false
        if byte(at: position) == UInt8(ascii: "-") {
            isNegative = true
            position &+= 1
        }
        var significand: UInt64 = 0
        var digits = 0
        var exponent = 0
        var isTruncated = false

        guard position < count else { throw JSONSyntaxError(.invalidNumber, at: start) }
        let lead = byte(at: position)
        if lead == UInt8(ascii: "0") {
            position &+= 1
            if position < count, Self.isDigit(byte(at: position)) {
                throw JSONSyntaxError(.invalidNumber, at: start)  // leading zero
            }
        } else if lead >= UInt8(ascii: "1") && lead <= UInt8(ascii: "9") {
            while position < count {
                let d = byte(at: position) &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if digits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    digits &+= 1
                } else {
                    exponent &+= 1
                    if d != 0 { isTruncated = true }
                }
                position &+= 1
            }
        } else if lead == UInt8(ascii: "I") {
            throw JSONSyntaxError(.nonFiniteNumber, at: start)  // -Infinity
        } else {
            throw JSONSyntaxError(.invalidNumber, at: start)
        }

        var isIntegerText = true
        if position < count && byte(at: position) == UInt8(ascii: ".") {
            isIntegerText = false
            position &+= 1
            guard position < count, Self.isDigit(byte(at: position)) else {
                throw JSONSyntaxError(.invalidNumber, at: start)  // `1.`
            }
            while position < count {
                let d = byte(at: position) &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if significand == 0 && d == 0 {
                    exponent &-= 1  // leading zeros of the fraction are not significant
                } else if digits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    digits &+= 1
                    exponent &-= 1
                } else if d != 0 {
                    isTruncated = true
                }
                position &+= 1
            }
        }

        if position < count && byte(at: position) | 0x20 == UInt8(ascii: "e") {
            isIntegerText = false
            position &+= 1
            var exponentIsNegative = false
            if position < count {
                let sign = byte(at: position)
                if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    exponentIsNegative = sign == UInt8(ascii: "-")
                    position &+= 1
                }
            }
            guard position < count, Self.isDigit(byte(at: position)) else {
                throw JSONSyntaxError(.invalidNumber, at: start)  // `1e`, `1e+`
            }
            var explicit = 0
            while position < count {
                let d = byte(at: position) &- UInt8(ascii: "0")
                guard d < 10 else { break }
                // Saturate: anything past 10^9 is far outside Double's range either way.
                if explicit < 1_000_000_000 { explicit = explicit &* 10 &+ Int(d) }
                position &+= 1
            }
            exponent = exponentIsNegative ? exponent &- explicit : exponent &+ explicit
        }

        return JSONNumber(
            start: start, end: position, significand: significand, exponent: exponent,
            isNegative: isNegative, isTruncated: isTruncated, isIntegerText: isIntegerText
        )
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool {
        b &- UInt8(ascii: "0") < 10
    }
}

/// A string's content as a byte range of the text (between the quotes, escapes not decoded).
struct JSONStringToken {
    var start: Int
    var end: Int
    /// True when the content has at least one backslash escape (then the bytes differ from
    /// the decoded string).
    var hasEscapes: Bool

    var byteCount: Int { end - start }
}

/// `true`, `false` or `null`.
enum JSONLiteral {
    case `true`, `false`, null
}
