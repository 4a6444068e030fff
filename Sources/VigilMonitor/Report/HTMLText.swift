import Foundation
import VigilStats

/// Text made safe for HTML: everything in a report that came from a user or a log (model
/// names, reasons, feature names, alert summaries) goes through `escape`.
enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, safe in element
    /// content and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A number for a `data-` attribute: the shortest text that reads back as the same Double
    /// (empty for nil or non-finite), so tests can compare it with the database exactly.
    static func attribute(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return "\(value)"
    }

    /// A number for people: `digits` decimals, `–` for nil.
    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value else { return "–" }
        return NumberFormatting.format(value, digits: digits)
    }

    /// A coordinate in an SVG: one decimal is plenty at screen sizes.
    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
