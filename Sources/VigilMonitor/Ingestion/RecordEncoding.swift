/// Compact JSON text for what ingestion stores of a prediction: its features and attributes,
/// as `{"age":67,"site":"ED-1","wbc":null}`. Numbers keep Swift's shortest round-trip form.
enum RecordEncoding {
    static func json(_ features: [PredictionRecord.Feature]) -> String {
        var text = "{"
        text.reserveCapacity(features.count * 16)
        for (index, feature) in features.enumerated() {
            if index > 0 { text += "," }
            appendString(feature.name, to: &text)
            text += ":"
            switch feature.value {
            case .number(let value): appendNumber(value, to: &text)
            case .string(let value): appendString(value, to: &text)
            case .bool(let value): text += value ? "true" : "false"
            case .null: text += "null"
            }
        }
        text += "}"
        return text
    }

    static func json(_ attributes: [PredictionRecord.Attribute]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var text = "{"
        for (index, attribute) in attributes.enumerated() {
            if index > 0 { text += "," }
            appendString(attribute.name, to: &text)
            text += ":"
            appendString(attribute.value, to: &text)
        }
        text += "}"
        return text
    }

    static func appendNumber(_ value: Double, to text: inout String) {
        if value == value.rounded(), abs(value) < 1e15 {
            text += String(Int64(value))
        } else {
            text += "\(value)"
        }
    }

    /// Appends `value` as a JSON string (RFC 8259 §7), escaping quotes, backslashes and control characters.
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        var needsEscape = false
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscape = true
            break
        }
        guard needsEscape else {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
