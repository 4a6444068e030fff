/// A parsed JSON value (RFC 8259), for the places that need a whole document rather than the
/// fixed shape of a prediction or outcome line (reference data, tests).
///
/// Objects keep their members in text order, duplicates included, because RFC 8259 §4 leaves
/// duplicate names to the application. Numbers are Doubles, correctly rounded.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One object member.
    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// Parses one JSON text: a single value with optional whitespace around it.
    ///
    /// The bytes must be well-formed UTF-8 (RFC 8259 §8.1); strings must use valid escapes,
    /// with `\u` surrogates only in high–low pairs; control characters must be escaped; numbers
    /// follow §6 exactly; nothing but whitespace may follow the value.
    ///
    /// - Parameters:
    ///   - bytes: the text, valid for the duration of the call.
    ///   - maximumDepth: how deeply objects and arrays may nest.
    /// - Throws: `JSONSyntaxError` with the byte offset of the first problem.
    /// - Complexity: O(*n*) in the length of the text.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maximumDepth: Int = 512
    ) throws(JSONSyntaxError) -> JSONValue {
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            throw JSONSyntaxError(.invalidUTF8, at: bad)
        }
        var scanner = JSONScanner(bytes, maximumDepth: maximumDepth)
        guard scanner.peek() != nil else { throw JSONSyntaxError(.emptyInput, at: 0) }
        let value = try scanner.parseValue(depth: 0)
        try scanner.finish()
        return value
    }

    /// Parses one JSON text held in an array of bytes.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = 512) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONSyntaxError) -> JSONValue in try parse(buffer, maximumDepth: maximumDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON text held in a string (its UTF-8 bytes).
    public static func parse(_ text: String, maximumDepth: Int = 512) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

extension JSONScanner {
    /// Builds the value at the current position.
    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard let first = peek() else { throw JSONSyntaxError(.unexpectedEnd, at: count) }
        switch first {
        case UInt8(ascii: "\""):
            let token = try scanString()
            return .string(string(token))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try scanNumber().doubleValue(in: base))
        case UInt8(ascii: "{"):
            guard depth < maximumDepth else { throw JSONSyntaxError(.tooDeep, at: position) }
            var members: [JSONValue.Member] = []
            if beginObject() {
                repeat {
                    let nameToken = try memberName()
                    let name = string(nameToken)
                    members.append(JSONValue.Member(name: name, value: try parseValue(depth: depth &+ 1)))
                } while try nextMember()
            }
            return .object(members)
        case UInt8(ascii: "["):
            guard depth < maximumDepth else { throw JSONSyntaxError(.tooDeep, at: position) }
            var elements: [JSONValue] = []
            if beginArray() {
                repeat {
                    elements.append(try parseValue(depth: depth &+ 1))
                } while try nextElement()
            }
            return .array(elements)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            switch try scanLiteral() {
            case .true: return .bool(true)
            case .false: return .bool(false)
            case .null: return .null
            }
        default:
            throw valueStartFailure()
        }
    }
}
