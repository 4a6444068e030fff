import Foundation
import VigilStats

/// A table as read from a file, every cell still text: the common form of CSV and JSON Lines
/// input before column types are decided.
public struct RawTable: Sendable {
    /// Column names, in file order.
    public var header: [String]
    /// One array of cells per column; an empty cell is a missing value.
    public var columns: [[String]]
    /// The file line each row came from, for error messages.
    public var lineNumbers: [Int]
    /// SHA-256 of the file's bytes, recorded in the model file.
    public var sha256: String

    public var rowCount: Int { lineNumbers.count }

    public init(header: [String], columns: [[String]], lineNumbers: [Int], sha256: String = "") {
        self.header = header
        self.columns = columns
        self.lineNumbers = lineNumbers
        self.sha256 = sha256
    }

    /// Reads a CSV (RFC 4180) or JSON Lines file, chosen by its extension (`.jsonl`, `.ndjson`
    /// and `.json` are JSON Lines) or, failing that, by its first byte (`{` is JSON Lines).
    public init(contentsOfFile path: String) throws(TrainingDataError) {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let lowered = path.lowercased()
        let isJSONLines = lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".json")
            || (!lowered.hasSuffix(".csv") && bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D }) == UInt8(ascii: "{"))
        if isJSONLines {
            self = try RawTable(jsonLines: bytes, path: path)
        } else {
            do {
                let table = try CSVTable(parsing: bytes)
                self.init(header: table.header, columns: table.columns, lineNumbers: table.lineNumbers)
            } catch {
                throw .malformed(path: path, line: error.line, reason: error.description)
            }
        }
        sha256 = SHA256.hexDigest(of: bytes)
    }

    /// Reads JSON Lines: one object per line whose members are cells. The daemon's labeled
    /// examples nest inputs under `features` and subgroup attributes under `attrs`; their
    /// members become columns of their own. Blank lines are skipped.
    init(jsonLines bytes: [UInt8], path: String) throws(TrainingDataError) {
        var header: [String] = []
        var columnIndex: [String: Int] = [:]
        var columns: [[String]] = []
        var lineNumbers: [Int] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let object: [String: JSONCell]
            do {
                object = try JSONDecoder().decode([String: JSONCell].self, from: Data(line))
            } catch {
                throw .malformed(path: path, line: lineNumber, reason: "not a JSON object of numbers, strings, booleans and nulls (features and attrs may nest one level)")
            }
            var cells: [(String, String)] = []
            for (key, value) in object {
                switch value {
                case .object(let nested) where key == "features" || key == "attrs":
                    for (innerKey, innerValue) in nested {
                        guard let text = innerValue.text else {
                            throw .malformed(path: path, line: lineNumber, reason: "\"\(key).\(innerKey)\" must be a number, string, boolean or null")
                        }
                        cells.append((innerKey, text))
                    }
                default:
                    guard let text = value.text else {
                        throw .malformed(path: path, line: lineNumber, reason: "\"\(key)\" must be a number, string, boolean or null")
                    }
                    cells.append((key, text))
                }
            }
            let row = lineNumbers.count
            for (key, text) in cells.sorted(by: { $0.0 < $1.0 }) {
                let index: Int
                if let known = columnIndex[key] {
                    index = known
                } else {
                    index = header.count
                    columnIndex[key] = index
                    header.append(key)
                    columns.append([String](repeating: "", count: row))
                }
                guard columns[index].count == row else {
                    throw .malformed(path: path, line: lineNumber, reason: "\"\(key)\" appears twice (at the top level and inside features or attrs)")
                }
                columns[index].append(text)
            }
            lineNumbers.append(lineNumber)
            for index in columns.indices where columns[index].count == row { columns[index].append("") }
        }
        if header.isEmpty { throw .malformed(path: path, line: 1, reason: "no rows") }
        self.init(header: header, columns: columns, lineNumbers: lineNumbers)
    }

    /// The index of the column called `name`.
    public func columnIndex(named name: String) -> Int? { header.firstIndex(of: name) }
}

/// One JSON value of a JSON Lines row: a scalar, or one level of nesting (`features`, `attrs`).
private enum JSONCell: Decodable {
    case scalar(String)
    case object([String: JSONCell])
    case unsupported

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .scalar("") }
        else if let value = try? container.decode(Bool.self) { self = .scalar(value ? "true" : "false") }
        else if let value = try? container.decode(Double.self) {
            // Integral values as integers, so that a numeric code reads the same as in CSV.
            self = .scalar(value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
        }
        else if let value = try? container.decode(String.self) { self = .scalar(value) }
        else if let value = try? container.decode([String: JSONCell].self) { self = .object(value) }
        else { self = .unsupported }
    }

    /// The cell text: numbers in their shortest exact form, booleans as `true`/`false`, null as
    /// empty; nil for an object or array.
    var text: String? {
        if case .scalar(let text) = self { return text }
        return nil
    }
}
