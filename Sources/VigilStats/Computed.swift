/// A statistic that is either a value or undefined for a stated reason.
///
/// Metrics such as AUROC are undefined when the outcome has one class only; Vigil reports
/// these as JSON `null` (never NaN, never a crash) while keeping the reason for humans and logs.
public enum Computed<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The statistic is defined and has this value.
    case value(Value)
    /// The statistic is undefined on this input; the reason says why.
    case undefined(reason: String)

    /// The value, or `nil` when undefined.
    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// Why the statistic is undefined, or `nil` when it has a value.
    public var undefinedReason: String? {
        if case .undefined(let reason) = self { return reason }
        return nil
    }

    /// Applies `transform` to a defined value and keeps the reason of an undefined one.
    public func map<Other>(_ transform: (Value) -> Other) -> Computed<Other> {
        switch self {
        case .value(let value): .value(transform(value))
        case .undefined(let reason): .undefined(reason: reason)
        }
    }

    /// A defined value from an optional, or the reason when it is `nil`.
    public init(_ optional: Value?, orUndefinedBecause reason: @autoclosure () -> String) {
        if let optional { self = .value(optional) } else { self = .undefined(reason: reason()) }
    }
}

/// Encodes as the bare value, or JSON `null` when undefined (the reason is not encoded);
/// decodes `null` as undefined with the reason "null in input".
extension Computed: Codable where Value: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .undefined(reason: "null in input")
        } else {
            self = .value(try container.decode(Value.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .value(let value): try container.encode(value)
        case .undefined: try container.encodeNil()
        }
    }
}

/// A two-sided confidence interval `[lower, upper]`, encoded as a two-element JSON array.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        lower = try container.decode(Double.self)
        upper = try container.decode(Double.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(lower)
        try container.encode(upper)
    }
}
