import Testing
@testable import VigilMonitor

struct RecordParserTests {
    static let examplePrediction = #"{"id":"enc-88321","ts":"2026-11-28T10:15:02.123Z","model":"sepsis-risk","version":"3","score":0.81,"features":{"age":67,"lactate":2.4,"site":"ED-1","on_pressors":false,"wbc":null},"attrs":{"site":"ED-1","sex":"F","age_band":"65+"}}"#
    static let exampleOutcome = #"{"id":"enc-88321","ts":"2026-11-30T08:00:00Z","model":"sepsis-risk","label":1}"#

    /// A valid prediction line with `replacement` in place of the member `"key":…` that starts
    /// it (or with `extra` members added), for tests that change one thing.
    static func prediction(
        id: String = #""id":"enc-1""#, ts: String = #""ts":"2026-11-28T10:15:02Z""#,
        score: String = #""score":0.5"#, features: String = #""features":{"age":67}"#,
        extra: String = ""
    ) -> String {
        "{" + [id, ts, score, features, extra].filter { !$0.isEmpty }.joined(separator: ",") + "}"
    }

    func quarantine(_ line: String) -> QuarantineReason? {
        if case .failure(let reason) = RecordParser.parsePrediction(line) { return reason }
        return nil
    }

    func outcomeQuarantine(_ line: String) -> QuarantineReason? {
        if case .failure(let reason) = RecordParser.parseOutcome(line) { return reason }
        return nil
    }

    @Test("the issue's example prediction parses with every field")
    func examplePredictionParses() throws {
        let record = try RecordParser.parsePrediction(Self.examplePrediction).get()
        #expect(record == PredictionRecord(
            id: "enc-88321", timestamp: 1_795_860_902.123, model: "sepsis-risk", version: "3", score: 0.81,
            features: [
                .init(name: "age", value: .number(67)), .init(name: "lactate", value: .number(2.4)),
                .init(name: "site", value: .string("ED-1")), .init(name: "on_pressors", value: .bool(false)),
                .init(name: "wbc", value: .null),
            ],
            attributes: [.init(name: "site", value: "ED-1"), .init(name: "sex", value: "F"), .init(name: "age_band", value: "65+")]
        ))
        #expect(record.feature(named: "lactate") == .number(2.4))
        #expect(record.feature(named: "missing") == nil)
        #expect(record.attribute(named: "sex") == "F")
    }

    @Test("the issue's example outcome parses, and labels may be 0/1 or false/true", arguments: [
        ("1", true), ("0", false), ("true", true), ("false", false), ("1.0", true), ("0e5", false), ("-0", false),
    ])
    func exampleOutcomeParses(label: String, expected: Bool) throws {
        let line = #"{"id":"enc-88321","ts":"2026-11-30T08:00:00Z","model":"sepsis-risk","label":"# + label + "}"
        let record = try RecordParser.parseOutcome(line).get()
        #expect(record == OutcomeRecord(id: "enc-88321", timestamp: 1_796_025_600, model: "sepsis-risk", label: expected))
    }

    @Test("the same line parses from bytes, from a buffer and from a string alike")
    func entryPointsAgree() throws {
        let bytes = Array(Self.examplePrediction.utf8)
        let fromString = try RecordParser.parsePrediction(Self.examplePrediction).get()
        #expect(try RecordParser.parsePrediction(bytes).get() == fromString)
        #expect(try bytes.withUnsafeBytes { try RecordParser.parsePrediction($0).get() } == fromString)
        let outcome = Array(Self.exampleOutcome.utf8)
        #expect(try RecordParser.parseOutcome(outcome).get() == RecordParser.parseOutcome(Self.exampleOutcome).get())
    }

    @Test("unknown top-level keys of any kind are ignored, and fields may come in any order")
    func unknownKeysIgnored() throws {
        let line = #"{"note":{"x":[1,{"y":null}]},"features":{"a":1},"score":1,"extra":"z","ts":1795860902.5,"id":"e","label":7,"attrs":null,"model":null,"version":3.10}"#
        let record = try RecordParser.parsePrediction(line).get()
        #expect(record == PredictionRecord(
            id: "e", timestamp: 1_795_860_902.5, model: nil, version: "3.10", score: 1,
            features: [.init(name: "a", value: .number(1))], attributes: []))
    }

    @Test("optional fields may be absent; features may be empty; whitespace and a trailing CR are fine")
    func minimalLine() throws {
        let record = try RecordParser.parsePrediction(" {\"id\" : \"x\",\t\"ts\":0, \"score\":0, \"features\":{}}\r").get()
        #expect(record == PredictionRecord(id: "x", timestamp: 0, score: 0, features: []))
    }

    @Test("a UTF-8 byte order mark at the start of a line is skipped")
    func byteOrderMark() throws {
        let line = [0xEF, 0xBB, 0xBF] + Array(Self.exampleOutcome.utf8)
        #expect(try RecordParser.parseOutcome(line).get().id == "enc-88321")
    }

    @Test("escaped keys and values are decoded before they are matched and stored")
    func escapes() throws {
        let line = #"{"\u0069d":"enc-\u00e9\ud83d\ude00","t\u0073":"2026-11-28T10:15:02\u005A","score":0.5,"features":{"sit\u0065":"ED\/1","a\"b":true},"attrs":{"s\u0069te":"ED\n1"}}"#
        let record = try RecordParser.parsePrediction(line).get()
        #expect(record.id == "enc-é😀")
        #expect(record.timestamp == 1_795_860_902)
        #expect(record.features == [.init(name: "site", value: .string("ED/1")), .init(name: "a\"b", value: .bool(true))])
        #expect(record.attributes == [.init(name: "site", value: "ED\n1")])
    }

    @Test("attribute numbers and booleans become their text; null attributes are dropped")
    func attributeConversion() throws {
        let record = try RecordParser.parsePrediction(Self.prediction(
            extra: #""attrs":{"site":"ED-1","age":67,"ratio":1.50,"flag":true,"off":false,"gone":null}"#)).get()
        #expect(record.attributes == [
            .init(name: "site", value: "ED-1"), .init(name: "age", value: "67"), .init(name: "ratio", value: "1.50"),
            .init(name: "flag", value: "true"), .init(name: "off", value: "false"),
        ])
    }

    @Test("timestamps may be RFC 3339 with an offset, or Unix seconds", arguments: [
        (#""ts":"2026-11-28T11:15:02+01:00""#, 1_795_860_902.0),
        (#""ts":"2026-11-28 10:15:02.250z""#, 1_795_860_902.25),
        (#""ts":1795860902"#, 1_795_860_902),
        (#""ts":1.7958609025e9"#, 1_795_860_902.5),
        (#""ts":0"#, 0),
    ])
    func timestamps(member: String, seconds: Double) throws {
        #expect(try RecordParser.parsePrediction(Self.prediction(ts: member)).get().timestamp == seconds)
    }

    // MARK: - Quarantine reasons

    @Test("every quarantine reason is given with a detail naming the field and the problem", arguments: [
        // invalid_json
        (prediction(score: #""score":0.5,"#), QuarantineReason.Code.invalidJSON, "invalid JSON at byte 54: expected '\"' to start a member name"),
        (#"{"id":"a" "ts":1}"#, .invalidJSON, "invalid JSON at byte 10: expected ',' or '}'"),
        (#"{"id":"a"}{}"#, .invalidJSON, "invalid JSON at byte 10: unexpected characters after the value"),
        (prediction(score: #""score":NaN"#), .invalidJSON, "invalid JSON at byte 50: NaN and Infinity are not JSON numbers"),
        (prediction(score: #""score":01"#), .invalidJSON, "invalid JSON at byte 50: invalid number"),
        ("", .invalidJSON, "invalid JSON at byte 0: no value (empty input)"),
        ("\r", .invalidJSON, "invalid JSON at byte 1: no value (empty input)"),
        (prediction(features: "\"features\":{\"note\":\"a\tb\"}"), .invalidJSON, "invalid JSON at byte 75: unescaped control character in a string"),
        (prediction(extra: #""x":"\uD800""#), .invalidJSON, "invalid JSON at byte 81: lone UTF-16 surrogate in a \\u escape"),
        // a syntax error late in the line wins over a field problem before it
        (prediction(score: #""score":7"#, extra: #""x":[1,]"#), .invalidJSON, "invalid JSON at byte 81: expected a value"),
        // missing_field
        (prediction(id: ""), .missingField, "missing required field \"id\""),
        (prediction(ts: ""), .missingField, "missing required field \"ts\""),
        (prediction(score: ""), .missingField, "missing required field \"score\""),
        (prediction(features: ""), .missingField, "missing required field \"features\""),
        (prediction(id: #""id":"""#), .missingField, "\"id\" is empty"),
        ("{}", .missingField, "missing required field \"id\""),
        // wrong_type
        (prediction(id: #""id":88321"#), .wrongType, "\"id\" must be a string, found a number"),
        (prediction(id: #""id":null"#), .wrongType, "\"id\" must be a string, found null"),
        (prediction(score: #""score":"0.5""#), .wrongType, "\"score\" must be a number, found a string"),
        (prediction(score: #""score":true"#), .wrongType, "\"score\" must be a number, found a boolean"),
        (prediction(ts: #""ts":[2026]"#), .wrongType, "\"ts\" must be an RFC 3339 string or a number of Unix seconds, found an array"),
        (prediction(features: #""features":[1,2]"#), .wrongType, "\"features\" must be an object, found an array"),
        (prediction(features: #""features":null"#), .wrongType, "\"features\" must be an object, found null"),
        (prediction(extra: #""model":7"#), .wrongType, "\"model\" must be a string, found a number"),
        (prediction(extra: #""version":true"#), .wrongType, "\"version\" must be a string or a number, found a boolean"),
        (prediction(extra: #""attrs":["ED-1"]"#), .wrongType, "\"attrs\" must be an object, found an array"),
        (prediction(extra: #""attrs":{"site":{"name":"ED-1"}}"#), .wrongType, "attribute \"site\" must be a string, number or boolean, found an object"),
        (prediction(features: #""features":{"x":1e400}"#), .wrongType, "feature \"x\" is 1e400, beyond the range of a Double"),
        ("[1,2]", .wrongType, "the line is an array, not a JSON object"),
        ("\"text\"", .wrongType, "the line is a string, not a JSON object"),
        // score_out_of_range
        (prediction(score: #""score":1.7"#), .scoreOutOfRange, "\"score\" is 1.7, outside [0, 1]"),
        (prediction(score: #""score":-0.01"#), .scoreOutOfRange, "\"score\" is -0.01, outside [0, 1]"),
        (prediction(score: #""score":1.0000000000000002"#), .scoreOutOfRange, "\"score\" is 1.0000000000000002, outside [0, 1]"),
        (prediction(score: #""score":1e999"#), .scoreOutOfRange, "\"score\" is 1e999, outside [0, 1]"),
        // bad_timestamp
        (prediction(ts: #""ts":"2026-02-30T10:00:00Z""#), .badTimestamp, "\"ts\" \"2026-02-30T10:00:00Z\" is not an RFC 3339 timestamp: day 30 is outside 01-28 for 2026-02"),
        (prediction(ts: #""ts":"yesterday""#), .badTimestamp, "\"ts\" \"yesterday\" is not an RFC 3339 timestamp: too short for YYYY-MM-DDTHH:MM:SSZ"),
        (prediction(ts: #""ts":"1969-12-31T23:59:59Z""#), .badTimestamp, "\"ts\" \"1969-12-31T23:59:59Z\" is before 1970-01-01T00:00:00Z"),
        (prediction(ts: #""ts":-1"#), .badTimestamp, "\"ts\" -1 is before 1970-01-01T00:00:00Z"),
        (prediction(ts: #""ts":1795860902123"#), .badTimestamp, "\"ts\" 1795860902123 is after year 9999 (milliseconds instead of seconds?)"),
        // nested_feature
        (prediction(features: #""features":{"age":67,"labs":{"wbc":1}}"#), .nestedFeature, "feature \"labs\" is an object; feature values must be numbers, strings, booleans or null"),
        (prediction(features: #""features":{"codes":["A41"]}"#), .nestedFeature, "feature \"codes\" is an array; feature values must be numbers, strings, booleans or null"),
        // duplicate_key
        (prediction(extra: #""score":0.9"#), .duplicateKey, "duplicate key \"score\""),
        (prediction(features: #""features":{"age":67,"site":"A","age":68}"#), .duplicateKey, "duplicate feature \"age\""),
        (prediction(features: #""features":{"age":67,"\u0061ge":68}"#), .duplicateKey, "duplicate feature \"age\""),
        (prediction(extra: #""attrs":{"sex":"F","sex":null}"#), .duplicateKey, "duplicate attribute \"sex\""),
        (prediction(extra: #""attrs":{"sex":null,"sex":"F"}"#), .duplicateKey, "duplicate attribute \"sex\""),
        // the first field problem in line order wins
        (prediction(id: #""id":1"#, score: #""score":2"#), .wrongType, "\"id\" must be a string, found a number"),
    ])
    func quarantineReasons(line: String, code: QuarantineReason.Code, detail: String) {
        #expect(quarantine(line) == QuarantineReason(code, detail))
    }

    @Test("outcome lines are quarantined for a missing, mistyped or non-binary label", arguments: [
        (#"{"id":"a","ts":0}"#, QuarantineReason.Code.missingField, "missing required field \"label\""),
        (#"{"ts":0,"label":1}"#, .missingField, "missing required field \"id\""),
        (#"{"id":"a","label":1}"#, .missingField, "missing required field \"ts\""),
        (#"{"id":"a","ts":0,"label":2}"#, .labelNotBinary, "\"label\" is 2, not 0, 1, false or true"),
        (#"{"id":"a","ts":0,"label":0.5}"#, .labelNotBinary, "\"label\" is 0.5, not 0, 1, false or true"),
        (#"{"id":"a","ts":0,"label":"1"}"#, .wrongType, "\"label\" must be 0, 1, false or true, found a string"),
        (#"{"id":"a","ts":0,"label":null}"#, .wrongType, "\"label\" must be 0, 1, false or true, found null"),
        (#"{"id":"a","ts":0,"label":1,"label":0}"#, .duplicateKey, "duplicate key \"label\""),
        (#"{"id":"a","ts":"2026-11-30T08:00:00","label":1}"#, .badTimestamp, "\"ts\" \"2026-11-30T08:00:00\" is not an RFC 3339 timestamp: missing time offset ('Z' or ±HH:MM)"),
        (#"{"id":"a","ts":0,"label":1,}"#, .invalidJSON, "invalid JSON at byte 27: expected '\"' to start a member name"),
    ])
    func outcomeReasons(line: String, code: QuarantineReason.Code, detail: String) {
        #expect(outcomeQuarantine(line) == QuarantineReason(code, detail))
    }

    @Test("an outcome line ignores prediction fields, and a prediction line ignores label")
    func foreignFieldsIgnored() throws {
        let outcome = try RecordParser.parseOutcome(#"{"id":"a","ts":0,"label":true,"score":"x","features":7}"#).get()
        #expect(outcome == OutcomeRecord(id: "a", timestamp: 0, label: true))
        #expect(try RecordParser.parsePrediction(Self.prediction(extra: #""label":"x""#)).get().id == "enc-1")
    }

    @Test("invalid UTF-8 anywhere is quarantined as invalid_utf8 with its offset, even where JSON is also broken")
    func invalidUTF8() {
        var line = Array(Self.prediction(features: #""features":{"site":"ED-?"}"#).utf8)
        let at = line.firstIndex(of: UInt8(ascii: "?"))!
        line[at] = 0xC0
        #expect(RecordParser.parsePrediction(line) == .failure(QuarantineReason(.invalidUTF8, "invalid UTF-8 at byte \(at)")))
        let broken = Array("{\"id\":".utf8) + [0xED, 0xA0, 0x80]
        #expect(RecordParser.parseOutcome(broken) == .failure(QuarantineReason(.invalidUTF8, "invalid UTF-8 at byte 6")))
    }

    @Test("lines up to 1 MiB parse; longer ones are quarantined as line_too_long without being read")
    func lineLength() throws {
        let head = Self.prediction(extra: #""pad":""#)
        let fits = head + String(repeating: "x", count: RecordParser.maximumLineLength - head.utf8.count - 2) + "\"}"
        #expect(fits.utf8.count == RecordParser.maximumLineLength)
        #expect(try RecordParser.parsePrediction(fits).get().id == "enc-1")
        let tooLong = head + String(repeating: "x", count: RecordParser.maximumLineLength - head.utf8.count - 1) + "\"}"
        #expect(quarantine(tooLong) == QuarantineReason(.lineTooLong, "line is 1048577 bytes, longer than the 1048576-byte limit"))
        // Too long wins over everything else, even bytes that are not UTF-8.
        let garbage = [UInt8](repeating: 0xFF, count: RecordParser.maximumLineLength + 10)
        #expect(RecordParser.parseOutcome(garbage) == .failure(
            QuarantineReason(.lineTooLong, "line is 1048586 bytes, longer than the 1048576-byte limit")))
    }

    @Test("details quote at most a short excerpt of a value")
    func detailsAreShort() throws {
        let secret = String(repeating: "patient-name-", count: 20)
        let reason = try #require(quarantine(Self.prediction(ts: "\"ts\":\"\(secret)\"")))
        #expect(reason.code == .badTimestamp)
        #expect(!reason.detail.contains(secret))
        #expect(reason.detail.contains("\"patient-name-patient-name-patient-name-p…\""))
        let nested = try #require(quarantine(Self.prediction(features: "\"features\":{\"\(secret)\":{}}")))
        #expect(nested.code == .nestedFeature)
        #expect(!nested.detail.contains(secret))
    }

    @Test("many features, past the inline table of name hashes, are all kept and duplicates still found")
    func manyFeatures() throws {
        let names = (0..<100).map { "feature_with_a_long_name_\($0)" }
        let body = names.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",")
        let record = try RecordParser.parsePrediction(Self.prediction(features: "\"features\":{\(body)}")).get()
        #expect(record.features.map(\.name) == names)
        #expect(record.features.last?.value == .number(99))
        let duplicated = body + ",\"feature_with_a_long_name_3\":1"
        #expect(quarantine(Self.prediction(features: "\"features\":{\(duplicated)}"))
            == QuarantineReason(.duplicateKey, "duplicate feature \"feature_with_a_long_name_3\""))
        let lateDuplicate = body + ",\"feature_with_a_long_name_99\":1"
        #expect(quarantine(Self.prediction(features: "\"features\":{\(lateDuplicate)}"))?.code == .duplicateKey)
    }

    @Test("every conformance-suite value embedded under an unknown key is accepted or rejected as on its own",
          // Embedding adds one level of nesting, so the case at exactly the depth limit is left out.
          arguments: (JSONConformanceCases.accepted + JSONConformanceCases.rejected).filter { !$0.name.contains("512_nested") })
    func conformanceUnderUnknownKey(_ testCase: JSONConformanceCases.Case) {
        let line = Array(#"{"id":"a","ts":0,"score":0,"features":{},"unknown":"#.utf8) + testCase.bytes + Array("}".utf8)
        let standalone = Result { () throws(JSONSyntaxError) -> JSONValue in try JSONValue.parse(testCase.bytes) }
        let result = RecordParser.parsePrediction(line)
        switch standalone {
        case .success:
            #expect(throws: Never.self) { try result.get() }
        case .failure:
            guard case .failure(let reason) = result else {
                Issue.record("accepted \(testCase.name) under an unknown key")
                return
            }
            #expect(reason.code == .invalidJSON || reason.code == .invalidUTF8)
        }
    }

    @Test("quarantine codes have the stable names the issue lists")
    func codeNames() {
        #expect(QuarantineReason.Code.allCases.map(\.rawValue) == [
            "invalid_utf8", "invalid_json", "line_too_long", "missing_field", "wrong_type", "score_out_of_range",
            "bad_timestamp", "label_not_binary", "nested_feature", "duplicate_key", "duplicate",
        ])
        #expect(QuarantineReason(.scoreOutOfRange, "\"score\" is 1.7, outside [0, 1]").description
            == "score_out_of_range: \"score\" is 1.7, outside [0, 1]")
    }

    @Test("the member names the parser matches pack to the words its dispatch compares")
    func fieldNamesPack() {
        for field in [RecordField.id, .ts, .model, .version, .score, .features, .attrs, .label] {
            let bytes = Array(field.name.utf8)
            var packed: UInt64 = 0
            for (i, b) in bytes.enumerated() { packed |= UInt64(b) << (8 * UInt64(i)) }
            #expect(RecordField(length: bytes.count, packed: packed) == field)
        }
        #expect(RecordField(length: 3, packed: 0x6469) == nil)
    }

    @Test("names and values read through the per-thread string cache stay exact when thousands of them evict each other")
    func cacheEviction() throws {
        for round in 0..<2 {
            for i in 0..<3_000 {
                let value = "v\(i)-\(String(repeating: "x", count: i % 30))"
                let line = Self.prediction(features: "\"features\":{\"f\(i % 700)\":\"\(value)\"}", extra: "\"attrs\":{\"a\(i)\":\"\(i)\"}")
                let record = try RecordParser.parsePrediction(line).get()
                #expect(record.features == [.init(name: "f\(i % 700)", value: .string(value))], "round \(round)")
                #expect(record.attributes == [.init(name: "a\(i)", value: "\(i)")])
            }
        }
    }

    @Test("parsing on several threads at once gives every thread the records it parsed")
    func concurrentParsing() async throws {
        let results = await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for i in 0..<2_000 {
                        let site = "site-\(worker)-\(i % 50)"
                        let line = Self.prediction(features: "\"features\":{\"site\":\"\(site)\",\"w\(worker)\":\(i)}")
                        guard case .success(let record) = RecordParser.parsePrediction(line),
                              record.features == [.init(name: "site", value: .string(site)), .init(name: "w\(worker)", value: .number(Double(i)))]
                        else { return false }
                    }
                    return true
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [true, true, true, true])
    }
}
