/// Why a byte sequence is not one valid JSON text (RFC 8259), and where.
///
/// `offset` counts bytes from the start of the text (0-based), so the message a user sees,
/// `invalid JSON at byte 37: expected ',' or '}'`, points into the line as stored on disk.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong. Raw values are stable and may appear in logs.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The text is empty or only whitespace.
        case emptyInput = "empty_input"
        /// The bytes are not well-formed UTF-8 (RFC 8259 §8.1, Unicode Table 3-7).
        case invalidUTF8 = "invalid_utf8"
        /// The text ends inside a value.
        case unexpectedEnd = "unexpected_end"
        /// A value was expected (object, array, string, number, `true`, `false`, `null`).
        case expectedValue = "expected_value"
        /// An object member name (a string) was expected.
        case expectedMemberName = "expected_member_name"
        /// A `:` was expected after an object member name.
        case expectedColon = "expected_colon"
        /// A `,` or `}` was expected after an object member.
        case expectedCommaOrObjectEnd = "expected_comma_or_object_end"
        /// A `,` or `]` was expected after an array element.
        case expectedCommaOrArrayEnd = "expected_comma_or_array_end"
        /// A number does not follow RFC 8259 §6 (leading zero, `1.`, `.5`, `+1`, bare `-`, ...).
        case invalidNumber = "invalid_number"
        /// `NaN` or `Infinity`, which some encoders emit but JSON has no spelling for.
        case nonFiniteNumber = "non_finite_number"
        /// A misspelled `true`, `false` or `null`.
        case invalidLiteral = "invalid_literal"
        /// A string is not closed before the end of the text.
        case unterminatedString = "unterminated_string"
        /// A byte below U+0020 appears unescaped inside a string (RFC 8259 §7).
        case controlCharacterInString = "control_character_in_string"
        /// A backslash is followed by something other than `" \ / b f n r t u`.
        case invalidEscape = "invalid_escape"
        /// `\u` is not followed by four hexadecimal digits.
        case invalidUnicodeEscape = "invalid_unicode_escape"
        /// A `\uD800`–`\uDFFF` escape that is not half of a high–low surrogate pair.
        case loneSurrogate = "lone_surrogate"
        /// Objects and arrays nest deeper than the parser's limit.
        case tooDeep = "too_deep"
        /// Something other than whitespace follows the value.
        case trailingCharacters = "trailing_characters"
    }

    /// What is wrong.
    public let code: Code
    /// The byte offset, from the start of the text, where the problem was found.
    public let offset: Int

    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// A short explanation of `code`, without the offset.
    public var message: String {
        switch code {
        case .emptyInput: "no value (empty input)"
        case .invalidUTF8: "invalid UTF-8"
        case .unexpectedEnd: "unexpected end of input"
        case .expectedValue: "expected a value"
        case .expectedMemberName: "expected '\"' to start a member name"
        case .expectedColon: "expected ':' after a member name"
        case .expectedCommaOrObjectEnd: "expected ',' or '}'"
        case .expectedCommaOrArrayEnd: "expected ',' or ']'"
        case .invalidNumber: "invalid number"
        case .nonFiniteNumber: "NaN and Infinity are not JSON numbers"
        case .invalidLiteral: "invalid literal (expected true, false or null)"
        case .unterminatedString: "unterminated string"
        case .controlCharacterInString: "unescaped control character in a string"
        case .invalidEscape: "invalid escape sequence"
        case .invalidUnicodeEscape: "\\u must be followed by four hexadecimal digits"
        case .loneSurrogate: "lone UTF-16 surrogate in a \\u escape"
        case .tooDeep: "objects and arrays nested too deeply"
        case .trailingCharacters: "unexpected characters after the value"
        }
    }

    public var description: String {
        code == .invalidUTF8 ? "invalid UTF-8 at byte \(offset)" : "invalid JSON at byte \(offset): \(message)"
    }
}
