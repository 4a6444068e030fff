import VigilStats

/// Turns one line of a prediction or outcome log (JSON Lines) into a record, or into the
/// reason the line must be quarantined.
///
/// A line is checked in this order, and the first failing check names the reason:
/// 1. length: more than `maximumLineLength` bytes is `line_too_long`;
/// 2. encoding: ill-formed UTF-8 anywhere is `invalid_utf8`;
/// 3. syntax: anything RFC 8259 rejects anywhere in the line is `invalid_json` (the whole
///    line is always read, so a syntax error late in the line wins over a field problem
///    earlier in it);
/// 4. fields, in line order: the first wrong type, out-of-range score, bad timestamp,
///    non-binary label, nested feature or duplicate name;
/// 5. required fields, in the order `id`, `ts`, `score`, `features` (`label` for outcomes):
///    `missing_field`.
///
/// Rules where the issue left a choice (see also `QuarantineReason.Code`):
/// - unknown top-level keys are checked for syntax and otherwise ignored;
/// - a name twice in one object (top level, `features`, `attrs`) is `duplicate_key`: RFC 8259
///   §4 leaves duplicates to the application, and "last wins" would silently pick one of two
///   scores;
/// - `null` for an optional field (`model`, `version`, `attrs`) means absent; `null` for a
///   required one is `wrong_type`;
/// - an empty `id` is `missing_field`;
/// - `ts` is RFC 3339 (`RFC3339Timestamp`) or Unix seconds, and must fall in
///   1970-01-01T00:00:00Z ..< 10000-01-01 (`bad_timestamp` otherwise; the upper bound also
///   catches milliseconds written where seconds belong);
/// - a feature number beyond Double's range (`1e400`) is `wrong_type`;
/// - `attrs` values: strings as they are, numbers as their text, booleans as `true`/`false`,
///   `null` dropped, objects and arrays `wrong_type`;
/// - `label` is `0`/`1`/`false`/`true` (any number equal to 0 or 1 counts); another number is
///   `label_not_binary`, a string, `null`, object or array is `wrong_type`;
/// - a UTF-8 byte order mark at the start of a line is skipped (RFC 8259 §8.1 allows ignoring it).
public enum RecordParser {
    /// The longest line accepted, in bytes, excluding the newline: 1 MiB.
    public static let maximumLineLength = 1 << 20

    /// Reads one prediction line (without its `\n`).
    ///
    /// - Complexity: O(*n*) in the length of the line.
    public static func parsePrediction(_ line: UnsafeRawBufferPointer) -> Result<PredictionRecord, QuarantineReason> {
        if let problem = checkEncoding(line) { return .failure(problem) }
        var reader = RecordReader(line)
        do throws(JSONSyntaxError) {
            return try reader.readPrediction()
        } catch {
            return .failure(QuarantineReason(.invalidJSON, error.description))
        }
    }

    /// Reads one outcome line (without its `\n`).
    ///
    /// - Complexity: O(*n*) in the length of the line.
    public static func parseOutcome(_ line: UnsafeRawBufferPointer) -> Result<OutcomeRecord, QuarantineReason> {
        if let problem = checkEncoding(line) { return .failure(problem) }
        var reader = RecordReader(line)
        do throws(JSONSyntaxError) {
            return try reader.readOutcome()
        } catch {
            return .failure(QuarantineReason(.invalidJSON, error.description))
        }
    }

    /// Reads one prediction line held in an array of bytes.
    public static func parsePrediction(_ line: [UInt8]) -> Result<PredictionRecord, QuarantineReason> {
        line.withUnsafeBytes { parsePrediction($0) }
    }

    /// Reads one outcome line held in an array of bytes.
    public static func parseOutcome(_ line: [UInt8]) -> Result<OutcomeRecord, QuarantineReason> {
        line.withUnsafeBytes { parseOutcome($0) }
    }

    /// Reads one prediction line held in a string.
    public static func parsePrediction(_ line: String) -> Result<PredictionRecord, QuarantineReason> {
        var line = line
        return line.withUTF8 { parsePrediction(UnsafeRawBufferPointer($0)) }
    }

    /// Reads one outcome line held in a string.
    public static func parseOutcome(_ line: String) -> Result<OutcomeRecord, QuarantineReason> {
        var line = line
        return line.withUTF8 { parseOutcome(UnsafeRawBufferPointer($0)) }
    }

    /// The length and UTF-8 checks every line gets before its JSON is read.
    static func checkEncoding(_ line: UnsafeRawBufferPointer) -> QuarantineReason? {
        if line.count > maximumLineLength {
            return QuarantineReason(
                .lineTooLong, "line is \(line.count) bytes, longer than the \(maximumLineLength)-byte limit")
        }
        if let offset = UTF8Validation.firstInvalidOffset(line) {
            return QuarantineReason(.invalidUTF8, "invalid UTF-8 at byte \(offset)")
        }
        return nil
    }
}

/// The fields of the record format that the parser looks for.
enum RecordField: UInt16 {
    case id = 1, ts = 2, model = 4, version = 8, score = 16, features = 32, attrs = 64, label = 128

    var name: String {
        switch self {
        case .id: "id"
        case .ts: "ts"
        case .model: "model"
        case .version: "version"
        case .score: "score"
        case .features: "features"
        case .attrs: "attrs"
        case .label: "label"
        }
    }

    /// The field a member name denotes, from its length and its bytes packed little-endian
    /// into a word (`RecordReader.packedName`); names longer than 8 bytes are never fields.
    @inline(__always)
    init?(length: Int, packed: UInt64) {
        switch (length, packed) {
        case (2, 0x6469): self = .id  // "id"
        case (2, 0x7374): self = .ts  // "ts"
        case (5, 0x6C_6564_6F6D): self = .model  // "model"
        case (7, 0x6E_6F69_7372_6576): self = .version  // "version"
        case (5, 0x65_726F_6373): self = .score  // "score"
        case (8, 0x7365_7275_7461_6566): self = .features  // "features"
        case (5, 0x73_7274_7461): self = .attrs  // "attrs"
        case (5, 0x6C_6562_616C): self = .label  // "label"
        default: return nil
        }
    }
}

/// Names already seen in one object, as 64-bit hashes, so a repeated name is found in O(1)
/// per name (a hash match is then confirmed by comparing the names themselves).
///
/// The first 32 hashes live in an open-addressing table on the stack; wider objects move them
/// to a `Set`.
struct NameHashes {
    var table = InlineArray<64, UInt64>(repeating: 0)
    var count = 0
    var overflow: Set<UInt64>?

    /// Adds `hash`; true when it was already there (a possible duplicate).
    @inline(__always)
    mutating func insert(_ hash: UInt64) -> Bool {
        if overflow != nil {
            return !overflow!.insert(hash).inserted
        }
        let key = hash == 0 ? 1 : hash  // 0 marks an empty slot
        var slot = Int(truncatingIfNeeded: key & 63)
        while true {
            let occupant = table[slot]
            if occupant == key { return true }
            if occupant == 0 { break }
            slot = (slot &+ 1) & 63
        }
        table[slot] = key
        count &+= 1
        if count == 32 {
            var set = Set<UInt64>(minimumCapacity: 64)
            for i in 0..<64 where table[i] != 0 { set.insert(table[i]) }
            overflow = set
        }
        return false
    }
}

/// Reads one record line with a `JSONScanner`, remembering the first field problem while it
/// goes on checking the syntax of the rest of the line.
struct RecordReader {
    var scanner: JSONScanner
    /// The first field-level problem found; syntax errors are thrown instead.
    var problem: QuarantineReason?
    /// Makes the line's names and short values, through this thread's cache.
    let strings: LineStrings

    init(_ line: UnsafeRawBufferPointer) {
        scanner = JSONScanner(line)
        strings = LineStrings(line: scanner, cache: StringCache.current)
        if line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
            scanner.position = 3  // UTF-8 byte order mark
        }
    }

    /// Records `code` unless an earlier problem was found.
    @inline(__always)
    mutating func note(_ code: QuarantineReason.Code, _ detail: String) {
        if problem == nil { problem = QuarantineReason(code, detail) }
    }

    // MARK: - Records

    mutating func readPrediction() throws(JSONSyntaxError) -> Result<PredictionRecord, QuarantineReason> {
        guard try openRecord() else { return .failure(problem!) }
        var id: String?
        var timestamp: Double?
        var model: String?
        var version: String?
        var score: Double?
        var features: [PredictionRecord.Feature]?
        var attributes: [PredictionRecord.Attribute] = []
        var seen: UInt16 = 0
        if scanner.beginObject() {
            repeat {
                let name = try scanner.memberName()
                guard let field = self.field(name) else {
                    try scanner.skipValue(depth: 1)
                    continue
                }
                guard seen & field.rawValue == 0 else {
                    note(.duplicateKey, "duplicate key \"\(field.name)\"")
                    try scanner.skipValue(depth: 1)
                    continue
                }
                seen |= field.rawValue
                switch field {
                case .id: id = try readID()
                case .ts: timestamp = try readTimestamp()
                case .model: model = try readOptionalString(field)
                case .version: version = try readVersion()
                case .score: score = try readScore()
                case .features: features = try readFeatures()
                case .attrs: attributes = try readAttributes()
                case .label: try scanner.skipValue(depth: 1)
                }
            } while try scanner.nextMember()
        }
        try scanner.finish()
        if let problem { return .failure(problem) }
        guard let id else { return .failure(missing(.id)) }
        guard let timestamp else { return .failure(missing(.ts)) }
        guard let score else { return .failure(missing(.score)) }
        guard let features else { return .failure(missing(.features)) }
        return .success(PredictionRecord(
            id: id, timestamp: timestamp, model: model, version: version, score: score,
            features: features, attributes: attributes))
    }

    mutating func readOutcome() throws(JSONSyntaxError) -> Result<OutcomeRecord, QuarantineReason> {
        guard try openRecord() else { return .failure(problem!) }
        var id: String?
        var timestamp: Double?
        var model: String?
        var label: Bool?
        var seen: UInt16 = 0
        if scanner.beginObject() {
            repeat {
                let name = try scanner.memberName()
                guard let field = self.field(name), field == .id || field == .ts || field == .model || field == .label
                else {
                    try scanner.skipValue(depth: 1)
                    continue
                }
                guard seen & field.rawValue == 0 else {
                    note(.duplicateKey, "duplicate key \"\(field.name)\"")
                    try scanner.skipValue(depth: 1)
                    continue
                }
                seen |= field.rawValue
                switch field {
                case .id: id = try readID()
                case .ts: timestamp = try readTimestamp()
                case .model: model = try readOptionalString(field)
                default: label = try readLabel()
                }
            } while try scanner.nextMember()
        }
        try scanner.finish()
        if let problem { return .failure(problem) }
        guard let id else { return .failure(missing(.id)) }
        guard let timestamp else { return .failure(missing(.ts)) }
        guard let label else { return .failure(missing(.label)) }
        return .success(OutcomeRecord(id: id, timestamp: timestamp, model: model, label: label))
    }

    /// Positions the scanner on the line's top-level `{`; false (with a problem noted) when the
    /// line holds another kind of value.
    mutating func openRecord() throws(JSONSyntaxError) -> Bool {
        guard let first = scanner.peek() else { throw JSONSyntaxError(.emptyInput, at: scanner.count) }
        if first == UInt8(ascii: "{") { return true }
        let kind = Self.typeName(first)
        try scanner.skipValue()
        try scanner.finish()
        note(.wrongType, "the line is \(kind), not a JSON object")
        return false
    }

    func missing(_ field: RecordField) -> QuarantineReason {
        QuarantineReason(.missingField, "missing required field \"\(field.name)\"")
    }

    // MARK: - Fields

    mutating func readID() throws(JSONSyntaxError) -> String? {
        guard scanner.peek() == UInt8(ascii: "\"") else {
            try wrongType(.id, expected: "a string")
            return nil
        }
        let token = try scanner.scanString()
        guard token.byteCount > 0 else {
            note(.missingField, "\"id\" is empty")
            return nil
        }
        return scanner.string(token)
    }

    /// A string, or nil for `null`.
    mutating func readOptionalString(_ field: RecordField) throws(JSONSyntaxError) -> String? {
        switch scanner.peekByte() {
        case UInt8(ascii: "\""):
            let token = try scanner.scanString()
            return strings.cachedString(token)
        case UInt8(ascii: "n"):
            if try scanner.scanLiteral() == .null { return nil }
            fallthrough
        default:
            try wrongType(field, expected: "a string")
            return nil
        }
    }

    mutating func readVersion() throws(JSONSyntaxError) -> String? {
        switch scanner.peekByte() {
        case UInt8(ascii: "\""):
            let token = try scanner.scanString()
            return strings.cachedString(token)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try scanner.scanNumber().text(in: scanner.base)
        case UInt8(ascii: "n"):
            if try scanner.scanLiteral() == .null { return nil }
            fallthrough
        default:
            try wrongType(.version, expected: "a string or a number")
            return nil
        }
    }

    mutating func readScore() throws(JSONSyntaxError) -> Double? {
        switch scanner.peekByte() {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try scanner.scanNumber()
            let score = number.doubleValue(in: scanner.base)
            guard score >= 0 && score <= 1 else {
                note(.scoreOutOfRange, "\"score\" is \(Self.excerpt(number, scanner.base)), outside [0, 1]")
                return nil
            }
            return score
        default:
            try wrongType(.score, expected: "a number")
            return nil
        }
    }

    /// The latest accepted timestamp: 10000-01-01T00:00:00Z in Unix seconds.
    static let timestampLimit = 253_402_300_800.0

    mutating func readTimestamp() throws(JSONSyntaxError) -> Double? {
        switch scanner.peekByte() {
        case UInt8(ascii: "\""):
            let token = try scanner.scanString()
            let seconds: Double
            do throws(RFC3339Timestamp.ParseError) {
                if token.hasEscapes {
                    var decoded: [UInt8] = []
                    scanner.appendDecoded(token, to: &decoded)
                    seconds = try RFC3339Timestamp.unixSeconds(decoded)
                } else {
                    seconds = try RFC3339Timestamp.unixSeconds(scanner.bytes(from: token.start, to: token.end))
                }
            } catch {
                note(.badTimestamp, "\"ts\" \(Self.excerpt(token, scanner.base)) is not an RFC 3339 timestamp: \(error.reason)")
                return nil
            }
            let base = scanner.base
            return checkTimestamp(seconds) { Self.excerpt(token, base) }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try scanner.scanNumber()
            let base = scanner.base
            return checkTimestamp(number.doubleValue(in: base)) { Self.excerpt(number, base) }
        default:
            try wrongType(.ts, expected: "an RFC 3339 string or a number of Unix seconds")
            return nil
        }
    }

    /// `seconds` if in 1970-01-01 ..< 10000-01-01; otherwise nil, with a problem noted that
    /// quotes `text()`.
    mutating func checkTimestamp(_ seconds: Double, text: () -> String) -> Double? {
        if seconds < 0 {
            note(.badTimestamp, "\"ts\" \(text()) is before 1970-01-01T00:00:00Z")
            return nil
        }
        if !(seconds < Self.timestampLimit) {
            note(.badTimestamp, "\"ts\" \(text()) is after year 9999 (milliseconds instead of seconds?)")
            return nil
        }
        return seconds
    }

    mutating func readLabel() throws(JSONSyntaxError) -> Bool? {
        switch scanner.peekByte() {
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let start = scanner.position
            switch try scanner.scanLiteral() {
            case .true: return true
            case .false: return false
            case .null:
                scanner.position = start
                try wrongType(.label, expected: "0, 1, false or true")
                return nil
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try scanner.scanNumber()
            let value = number.doubleValue(in: scanner.base)
            if value == 0 { return false }
            if value == 1 { return true }
            note(.labelNotBinary, "\"label\" is \(Self.excerpt(number, scanner.base)), not 0, 1, false or true")
            return nil
        default:
            try wrongType(.label, expected: "0, 1, false or true")
            return nil
        }
    }

    mutating func readFeatures() throws(JSONSyntaxError) -> [PredictionRecord.Feature]? {
        guard scanner.peek() == UInt8(ascii: "{") else {
            try wrongType(.features, expected: "an object")
            return nil
        }
        var features: [PredictionRecord.Feature] = []
        features.reserveCapacity(24)
        var hashes = NameHashes()
        let strings = self.strings  // a local copy, so calls on it need no access to `self`
        if scanner.beginObject() {
            repeat {
                let nameToken = try scanner.memberName()
                let (name, nameHash) = strings.nameAndHash(nameToken)
                let value: FeatureValue
                guard let first = scanner.peek() else { throw JSONSyntaxError(.unexpectedEnd, at: scanner.count) }
                switch first {
                case UInt8(ascii: "\""):
                    let token = try scanner.scanString()
                    value = .string(strings.cachedString(token))
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    let number = try scanner.scanNumber()
                    let double = number.doubleValue(in: scanner.base)
                    if !double.isFinite {
                        note(.wrongType, "feature \"\(Self.excerpt(name))\" is \(Self.excerpt(number, scanner.base)), beyond the range of a Double")
                    }
                    value = .number(double)
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    switch try scanner.scanLiteral() {
                    case .true: value = .bool(true)
                    case .false: value = .bool(false)
                    case .null: value = .null
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    note(.nestedFeature, "feature \"\(Self.excerpt(name))\" is \(Self.typeName(first)); "
                        + "feature values must be numbers, strings, booleans or null")
                    try scanner.skipValue(depth: 2)
                    continue
                default:
                    throw scanner.valueStartFailure()
                }
                if hashes.insert(nameHash), features.contains(where: { $0.name == name }) {
                    note(.duplicateKey, "duplicate feature \"\(Self.excerpt(name))\"")
                }
                features.append(PredictionRecord.Feature(name: name, value: value))
            } while try scanner.nextMember()
        }
        return features
    }

    mutating func readAttributes() throws(JSONSyntaxError) -> [PredictionRecord.Attribute] {
        switch scanner.peekByte() {
        case UInt8(ascii: "{"):
            break
        case UInt8(ascii: "n"):
            let start = scanner.position
            if try scanner.scanLiteral() == .null { return [] }
            scanner.position = start
            fallthrough
        default:
            try wrongType(.attrs, expected: "an object")
            return []
        }
        var attributes: [PredictionRecord.Attribute] = []
        attributes.reserveCapacity(8)
        var nullNames: [String] = []
        var hashes = NameHashes()
        let strings = self.strings  // a local copy, so calls on it need no access to `self`
        if scanner.beginObject() {
            repeat {
                let nameToken = try scanner.memberName()
                let (name, nameHash) = strings.nameAndHash(nameToken)
                let value: String?
                guard let first = scanner.peek() else { throw JSONSyntaxError(.unexpectedEnd, at: scanner.count) }
                switch first {
                case UInt8(ascii: "\""):
                    let token = try scanner.scanString()
                    value = strings.cachedString(token)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = try scanner.scanNumber().text(in: scanner.base)
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    switch try scanner.scanLiteral() {
                    case .true: value = "true"
                    case .false: value = "false"
                    case .null: value = nil
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    note(.wrongType, "attribute \"\(Self.excerpt(name))\" must be a string, number or boolean, "
                        + "found \(Self.typeName(first))")
                    try scanner.skipValue(depth: 2)
                    continue
                default:
                    throw scanner.valueStartFailure()
                }
                if hashes.insert(nameHash),
                   attributes.contains(where: { $0.name == name }) || nullNames.contains(name) {
                    note(.duplicateKey, "duplicate attribute \"\(Self.excerpt(name))\"")
                }
                if let value {
                    attributes.append(PredictionRecord.Attribute(name: name, value: value))
                } else {
                    nullNames.append(name)
                }
            } while try scanner.nextMember()
        }
        return attributes
    }

    /// Notes that `field` has the wrong JSON type and steps over its value.
    mutating func wrongType(_ field: RecordField, expected: String) throws(JSONSyntaxError) {
        let found = scanner.position < scanner.count ? Self.typeName(scanner.byte(at: scanner.position)) : "nothing"
        try scanner.skipValue(depth: 1)
        note(.wrongType, "\"\(field.name)\" must be \(expected), found \(found)")
    }

    // MARK: - Names

    /// The field a member name denotes, if any.
    @inline(__always)
    func field(_ name: JSONStringToken) -> RecordField? {
        if !name.hasEscapes {
            let length = name.byteCount
            guard length <= 8 else { return nil }
            return RecordField(length: length, packed: packedName(name))
        }
        var decoded: [UInt8] = []
        scanner.appendDecoded(name, to: &decoded)
        guard decoded.count <= 8 else { return nil }
        var packed: UInt64 = 0
        for (i, b) in decoded.enumerated() { packed |= UInt64(b) << (8 * UInt64(i)) }
        return RecordField(length: decoded.count, packed: packed)
    }

    /// Up to the first 8 bytes of a string token, little-endian, zero-padded.
    @inline(__always)
    func packedName(_ name: JSONStringToken) -> UInt64 {
        let length = min(name.byteCount, 8)
        if name.start &+ 8 <= scanner.count {
            let word = UInt64(littleEndian: scanner.base.loadUnaligned(fromByteOffset: name.start, as: UInt64.self))
            return length == 8 ? word : word & ((1 &<< (UInt64(length) &* 8)) &- 1)
        }
        var packed: UInt64 = 0
        for i in 0..<length {
            packed |= UInt64(scanner.byte(at: name.start &+ i)) &<< (8 &* UInt64(i))
        }
        return packed
    }

    // MARK: - Details

    /// What a value starting with `first` is, for messages ("an object", "null", ...).
    static func typeName(_ first: UInt8) -> String {
        switch first {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        default: "a number"
        }
    }

    /// At most this many bytes of a value or name go into a detail.
    static let excerptLimit = 40

    /// `text`, cut to `excerptLimit` bytes (on a character boundary) with `…` appended.
    static func excerpt(_ text: String) -> String {
        guard text.utf8.count > excerptLimit else { return text }
        var cut = text.utf8.index(text.utf8.startIndex, offsetBy: excerptLimit)
        while cut > text.startIndex && !text.unicodeScalars.indices.contains(cut) {
            cut = text.utf8.index(before: cut)
        }
        return String(text[..<cut]) + "…"
    }

    /// A number's text, shortened for a detail.
    static func excerpt(_ number: JSONNumber, _ base: UnsafeRawPointer) -> String {
        excerpt(number.text(in: base))
    }

    /// A string value quoted as it appears in the line, shortened for a detail.
    static func excerpt(_ token: JSONStringToken, _ base: UnsafeRawPointer) -> String {
        let raw = UnsafeRawBufferPointer(start: base + token.start, count: token.byteCount)
        return "\"" + excerpt(String(decoding: raw, as: UTF8.self)) + "\""
    }
}
