/// Why a log line was set aside instead of ingested: a stable code for counting and alerting,
/// and a detail for the person who fixes the producer.
///
/// The detail names the field and what is wrong with it (`"score" is 1.7, outside [0, 1]`,
/// `invalid JSON at byte 37: expected ',' or '}'`). It never carries a feature or attribute
/// value beyond a short excerpt, because details go to logs and values may be patient data.
public struct QuarantineReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem. Raw values are stable: they are stored, counted and alerted on.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The line is not well-formed UTF-8.
        case invalidUTF8 = "invalid_utf8"
        /// The line is not one valid JSON text (RFC 8259).
        case invalidJSON = "invalid_json"
        /// The line is longer than `RecordParser.maximumLineLength`.
        case lineTooLong = "line_too_long"
        /// A required field is absent (or `id` is empty).
        case missingField = "missing_field"
        /// A field has a JSON type the record format does not allow there.
        case wrongType = "wrong_type"
        /// `score` is outside [0, 1].
        case scoreOutOfRange = "score_out_of_range"
        /// `ts` is not an RFC 3339 timestamp or is outside 1970-01-01 ..< 10000-01-01.
        case badTimestamp = "bad_timestamp"
        /// `label` is a number other than 0 or 1.
        case labelNotBinary = "label_not_binary"
        /// A feature value is an object or an array.
        case nestedFeature = "nested_feature"
        /// A name appears twice in one object (top level, `features` or `attrs`), so the
        /// line's meaning depends on which parser reads it (RFC 8259 §4).
        case duplicateKey = "duplicate_key"
        /// The record repeats one already ingested (decided by ingestion, not by the parser).
        case duplicate = "duplicate"
    }

    public var code: Code
    /// Which field and why, without patient data beyond a short excerpt.
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`, e.g. `score_out_of_range: "score" is 1.7, outside [0, 1]`.
    public var description: String { "\(code.rawValue): \(detail)" }
}
