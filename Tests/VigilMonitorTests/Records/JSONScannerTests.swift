import Testing
@testable import VigilMonitor

struct JSONScannerTests {
    typealias Case = JSONConformanceCases.Case

    func parse(_ bytes: [UInt8]) -> Result<JSONValue, JSONSyntaxError> {
        Result { () throws(JSONSyntaxError) -> JSONValue in try JSONValue.parse(bytes) }
    }

    func parse(_ text: String) -> Result<JSONValue, JSONSyntaxError> {
        parse(Array(text.utf8))
    }

    @Test("every text the conformance suite says must be accepted parses", arguments: JSONConformanceCases.accepted)
    func acceptsValidTexts(_ testCase: Case) throws {
        _ = try parse(testCase.bytes).get()
    }

    @Test("every text the conformance suite says must be rejected fails", arguments: JSONConformanceCases.rejected)
    func rejectsInvalidTexts(_ testCase: Case) {
        #expect(throws: JSONSyntaxError.self) { try parse(testCase.bytes).get() }
    }

    @Test("ill-formed UTF-8 is rejected as invalid UTF-8 at the offending byte", arguments: JSONConformanceCases.illFormedUTF8)
    func rejectsIllFormedUTF8(_ testCase: Case) throws {
        let error = try #require(throws: JSONSyntaxError.self) { try parse(testCase.bytes).get() }
        #expect(error.code == .invalidUTF8)
        #expect(testCase.bytes[error.offset] >= 0x80)
    }

    @Test("validating without building a tree accepts and rejects exactly the same texts",
          arguments: JSONConformanceCases.accepted + JSONConformanceCases.rejected)
    func skipAgreesWithParse(_ testCase: Case) {
        let built = parse(testCase.bytes)
        let skipped = testCase.bytes.withUnsafeBytes { buffer -> Result<Void, JSONSyntaxError> in
            if let bad = UTF8Validation.firstInvalidOffset(buffer) {
                return .failure(JSONSyntaxError(.invalidUTF8, at: bad))
            }
            var scanner = JSONScanner(buffer)
            return Result { () throws(JSONSyntaxError) in
                guard scanner.peek() != nil else { throw JSONSyntaxError(.emptyInput, at: 0) }
                try scanner.skipValue()
                try scanner.finish()
            }
        }
        switch (built, skipped) {
        case (.success, .success): break
        case (.failure(let a), .failure(let b)): #expect(a == b)
        default: Issue.record("parse gave \(built), skipValue gave \(skipped)")
        }
    }

    @Test("every escape decodes to the character it names")
    func escapesDecode() throws {
        let value = try JSONValue.parse(#"["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20AC", "\uD834\uDD1E", "\u0000", "a\u005Cb"]"#)
        #expect(value == .array([
            .string("\"\\/\u{8}\u{C}\n\r\t"), .string("Aé€"), .string("𝄞"), .string("\u{0}"), .string("a\\b"),
        ]))
    }

    @Test("strings with multi-byte UTF-8 and escapes around long plain runs decode exactly")
    func longStringsDecode() throws {
        let plain = String(repeating: "ab€", count: 40)
        let value = try JSONValue.parse("[\"\(plain)\", \"\(plain)\\n\(plain)\"]")
        #expect(value == .array([.string(plain), .string(plain + "\n" + plain)]))
    }

    @Test("objects keep members in order, duplicates included, and values of every kind")
    func objectsKeepOrder() throws {
        let value = try JSONValue.parse(#" {"b": 1, "a": [true, false, null], "b": {"c": "d"}, "": -0.5e1} "#)
        #expect(value == .object([
            .init(name: "b", value: .number(1)),
            .init(name: "a", value: .array([.bool(true), .bool(false), .null])),
            .init(name: "b", value: .object([.init(name: "c", value: .string("d"))])),
            .init(name: "", value: .number(-5)),
        ]))
    }

    @Test("errors name the problem and the byte offset where it was found", arguments: [
        (#"{"a":1 "b":2}"#, JSONSyntaxError.Code.expectedCommaOrObjectEnd, 7),
        (#"[1 2]"#, .expectedCommaOrArrayEnd, 3),
        (#"{"a" 1}"#, .expectedColon, 5),
        (#"{"a":1,}"#, .expectedMemberName, 7),
        (#"[1,]"#, .expectedValue, 3),
        (#"[01]"#, .invalidNumber, 1),
        (#"[1.]"#, .invalidNumber, 1),
        (#"{"score": NaN}"#, .nonFiniteNumber, 10),
        (#"[-Infinity]"#, .nonFiniteNumber, 1),
        (#"[tru]"#, .invalidLiteral, 1),
        (#"["abc"#, .unterminatedString, 1),
        ("[\"a\tb\"]", .controlCharacterInString, 3),
        (#"["\x"]"#, .invalidEscape, 2),
        (#"["\u12G4"]"#, .invalidUnicodeEscape, 2),
        (#"["a\uD800"]"#, .loneSurrogate, 3),
        (#"["\uDC00\uD800"]"#, .loneSurrogate, 2),
        (#"{} x"#, .trailingCharacters, 3),
        ("  \r\n", .emptyInput, 0),
        ("{\"a\":", .unexpectedEnd, 5),
    ])
    func errorsCarryCodeAndOffset(text: String, code: JSONSyntaxError.Code, offset: Int) throws {
        let error = try #require(throws: JSONSyntaxError.self) { try parse(text).get() }
        #expect(error.code == code)
        #expect(error.offset == offset)
    }

    @Test("nesting is limited to the maximum depth, so hostile input cannot exhaust the stack")
    func depthLimit() throws {
        let ten = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        _ = try JSONValue.parse(ten, maximumDepth: 10)
        let error = try #require(throws: JSONSyntaxError.self) { try JSONValue.parse(ten, maximumDepth: 9) }
        #expect(error.code == .tooDeep)
        #expect(error.offset == 9)
    }

    @Test("the error description reads as the issue asks")
    func errorDescription() {
        #expect(JSONSyntaxError(.expectedCommaOrObjectEnd, at: 37).description == "invalid JSON at byte 37: expected ',' or '}'")
        #expect(JSONSyntaxError(.invalidUTF8, at: 4).description == "invalid UTF-8 at byte 4")
    }

    @Test("the word-at-a-time string scan finds quotes, backslashes and control bytes at every position")
    func stopBytesAtEveryPosition() throws {
        for length in 0..<40 {
            let body = String(repeating: "x", count: length)
            #expect(try JSONValue.parse("\"\(body)\"") == .string(body))
            #expect(try JSONValue.parse("\"\(body)\\\"\(body)\"") == .string(body + "\"" + body))
            let error = try #require(throws: JSONSyntaxError.self) { try JSONValue.parse("\"\(body)\u{1}\(body)\"") }
            #expect(error == JSONSyntaxError(.controlCharacterInString, at: length + 1))
            // 0x7F and bytes >= 0x80 are not stop bytes.
            #expect(try JSONValue.parse("\"\(body)\u{7F}é\(body)\"") == .string(body + "\u{7F}é" + body))
        }
    }
}
